"""Finds every reference an image's metadata makes to a model: ids, hashes, names, prompt tags."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# `<lora:name:0.8>`, `<lyco:name>`, `<locon:name:1>`; the weight may be missing.
_PROMPT_TAG = re.compile(
    r"<\s*(lora|lyco|locon)\s*:\s*([^:>]+?)\s*(?::\s*([-+]?[0-9.]+)[^>]*)?>", re.I
)
# AddNet writes "stem(hash)"; the hash is the 12-digit additional-networks hash.
_ADDNET_MODEL = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<hash>[0-9a-fA-F]{8,64})\))?\s*$")
_HEX = re.compile(r"^[0-9a-fA-F]{8,64}$")


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """One mention of a resource; at least one of version_id, hash or name is set."""

    source: str
    name: str | None = None
    hash: str | None = None
    version_id: int | None = None
    weight: float | None = None
    resource_type: str | None = None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _hash(value: Any) -> str | None:
    if isinstance(value, str) and _HEX.match(value.strip()):
        return value.strip().upper()
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:512]
    return None


def lora_tags(prompt: str) -> list[tuple[str, float | None]]:
    """The `(name, weight)` of each `<lora:...>`-style tag in a prompt."""
    return [(m.group(2).strip(), _float(m.group(3))) for m in _PROMPT_TAG.finditer(prompt)]


def strip_prompt_tags(prompt: str) -> str:
    """The prompt without its `<lora:...>`-style tags."""
    return _PROMPT_TAG.sub(" ", prompt)


def _civitai_resources(meta: Mapping[str, Any]) -> list[ResourceRef]:
    refs: list[ResourceRef] = []
    items = meta.get("civitaiResources")
    if not isinstance(items, list):
        return refs
    for item in items:
        if not isinstance(item, Mapping):
            continue
        version_id = _int(item.get("modelVersionId"))
        if version_id is not None:
            refs.append(
                ResourceRef(
                    source="civitai",
                    version_id=version_id,
                    weight=_float(item.get("weight") or item.get("strength")),
                    resource_type=_name(item.get("type")),
                )
            )
    return refs


def _resources(meta: Mapping[str, Any]) -> list[ResourceRef]:
    refs: list[ResourceRef] = []
    items = meta.get("resources")
    if not isinstance(items, list):
        return refs
    for item in items:
        if not isinstance(item, Mapping):
            continue
        name, digest = _name(item.get("name")), _hash(item.get("hash"))
        if name or digest:
            refs.append(
                ResourceRef(
                    source="resource",
                    name=name,
                    hash=digest,
                    weight=_float(item.get("weight")),
                    resource_type=(_name(item.get("type")) or "").lower() or None,
                )
            )
    return refs


def _hashes(meta: Mapping[str, Any]) -> list[ResourceRef]:
    refs: list[ResourceRef] = []
    hashes = meta.get("hashes")
    if not isinstance(hashes, Mapping):
        return refs
    for key, value in hashes.items():
        digest = _hash(value)
        if not isinstance(key, str) or digest is None:
            continue
        kind, _, name = key.partition(":")
        if kind == "model":
            refs.append(ResourceRef(source="hash", hash=digest, resource_type="model"))
        elif name:
            refs.append(
                ResourceRef(source="hash", name=name.strip()[:512], hash=digest, resource_type=kind)
            )
    return refs


def _addnet(meta: Mapping[str, Any]) -> list[ResourceRef]:
    refs: list[ResourceRef] = []
    for index in range(1, 9):
        raw = meta.get(f"AddNet Model {index}")
        if not isinstance(raw, str) or not raw.strip() or raw.strip().lower() == "none":
            continue
        match = _ADDNET_MODEL.match(raw.strip())
        if match is None:
            continue
        refs.append(
            ResourceRef(
                source="addnet",
                name=_name(match.group("name")),
                hash=_hash(match.group("hash")),
                weight=_float(meta.get(f"AddNet Weight A {index}")),
                resource_type="lora",
            )
        )
    return refs


def _checkpoint(meta: Mapping[str, Any]) -> list[ResourceRef]:
    name, digest = _name(meta.get("Model")), _hash(meta.get("Model hash"))
    if name or digest:
        return [ResourceRef(source="checkpoint", name=name, hash=digest, resource_type="model")]
    return []


def extract_refs(
    meta: Mapping[str, Any] | None, version_ids: list[int] | None = None
) -> list[ResourceRef]:
    """Every resource reference in one image's metadata, in no particular priority."""
    refs = [ResourceRef(source="civitai", version_id=v) for v in version_ids or []]
    if not meta:
        return refs
    refs += _civitai_resources(meta)
    refs += _resources(meta)
    refs += _hashes(meta)
    refs += _addnet(meta)
    refs += _checkpoint(meta)
    prompt = meta.get("prompt")
    if isinstance(prompt, str):
        refs += [
            ResourceRef(source="prompt_tag", name=name[:512], weight=weight, resource_type="lora")
            for name, weight in lora_tags(prompt)
        ]
    return refs
