"""Turns one raw Civitai item (model or image, 2023 or current shape) into table rows.

Problems are collected, not raised: a bad image is dropped with a reason, a bad model item is
skipped whole with a reason, and the caller reports them with the line number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from atelier.db.catalog import LORA_TYPES
from atelier.ingest.levels import content_level
from atelier.ingest.refs import extract_refs
from atelier.ingest.sanitize import html_to_text, sanitize_html

KNOWN_MODEL_TYPES = frozenset(
    {
        "Checkpoint", "TextualInversion", "Hypernetwork", "AestheticGradient", "LORA", "LoCon",
        "DoRA", "Controlnet", "Poses", "Wildcards", "Workflows", "MotionModule", "VAE",
        "Upscaler", "Detection", "Other",
    }
)  # fmt: skip

Row = dict[str, Any]


class ItemRejected(Exception):
    """The whole item cannot be imported; the message says why."""


@dataclass(slots=True)
class Problem:
    """Something in the input that was skipped or dropped, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path}: {self.reason}"


@dataclass(slots=True)
class Bundle:
    """Rows for one source item: a model with its versions, files and images, or one image."""

    model: Row | None = None
    tags: list[str] = field(default_factory=list)
    versions: list[Row] = field(default_factory=list)
    files: list[Row] = field(default_factory=list)
    images: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def digest(item: Mapping[str, Any]) -> str:
    """A stable fingerprint of a source item, to skip unchanged items on re-import."""
    return hashlib.blake2b(
        orjson.dumps(item, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


class _Reader:
    """Typed field access that records a problem instead of failing on a wrong type."""

    def __init__(self, item: Mapping[str, Any], path: str, problems: list[Problem]) -> None:
        self.item, self.path, self.problems = item, path, problems

    def _wrong(self, key: str, expected: str) -> None:
        value = self.item.get(key)
        self.problems.append(
            Problem(f"{self.path}.{key}", f"expected {expected}, got {type(value).__name__}")
        )

    def required_int(self, key: str) -> int:
        value = self.item.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            if key not in self.item:
                raise ItemRejected(f"{self.path}.{key} is missing")
            raise ItemRejected(
                f"{self.path}.{key}: expected an integer, got {type(value).__name__}"
            )
        return value

    def integer(self, key: str, default: int | None = None) -> int | None:
        value = self.item.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong(key, "a number")
            return default
        return int(value)

    def number(self, key: str) -> float | None:
        value = self.item.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            self._wrong(key, "a number")
            return None
        return float(value)

    def text(self, key: str, limit: int = 100_000) -> str | None:
        value = self.item.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)[:limit]
            self._wrong(key, "a string")
            return None
        return value[:limit]

    def flag(self, key: str) -> bool:
        value = self.item.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self._wrong(key, "a boolean")
            return False
        return value

    def time(self, key: str) -> datetime | None:
        value = self.item.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        self._wrong(key, "an ISO date-time")
        return None

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.item.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self._wrong(key, "an object")
            return {}
        return value

    def items(self, key: str) -> list[Any]:
        value = self.item.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(key, "a list")
            return []
        return value

    def strings(self, key: str, limit: int = 200) -> list[str]:
        return [v.strip()[:limit] for v in self.items(key) if isinstance(v, str) and v.strip()]


def _stem(file_name: str) -> str:
    base = file_name.rsplit("/", 1)[-1]
    return (base.rsplit(".", 1)[0] if "." in base else base).strip().lower()


def _description(reader: _Reader, key: str) -> tuple[str, str]:
    html = reader.text(key, limit=1_000_000)
    if not html:
        return "", ""
    try:
        clean = sanitize_html(html)
        return clean, html_to_text(clean)
    except Exception as error:
        reader.problems.append(Problem(f"{reader.path}.{key}", f"unparseable HTML ({error})"))
        return "", ""


def _tag_names(reader: _Reader) -> list[str]:
    names: list[str] = []
    for tag in reader.items("tags"):
        # 2023 gives strings; some responses give {"name": ...}.
        name = tag.get("name") if isinstance(tag, Mapping) else tag
        if isinstance(name, str) and name.strip():
            cleaned = " ".join(name.strip().lower().split())[:120]
            if cleaned not in names:
                names.append(cleaned)
    return names


_SETTINGS_KEYS = {
    "prompt", "negativePrompt", "sampler", "steps", "cfgScale", "seed", "Size", "Model",
    "Model hash", "clipSkip", "Clip skip",
}  # fmt: skip


def _meta_settings(meta: Mapping[str, Any], path: str, problems: list[Problem]) -> Row:
    reader = _Reader(meta, path, problems)
    clip_skip = reader.integer("clipSkip")
    if clip_skip is None:
        raw = meta.get("Clip skip")
        clip_skip = int(raw) if isinstance(raw, str) and raw.strip().isdigit() else None
    seed = reader.integer("seed")
    return {
        "prompt": reader.text("prompt", 20_000),
        "negative_prompt": reader.text("negativePrompt", 20_000),
        "sampler": reader.text("sampler", 80),
        "steps": reader.integer("steps"),
        "cfg_scale": reader.number("cfgScale"),
        # Seeds beyond 64-bit signed range come from broken tools: keep the image, drop the seed.
        "seed": seed if seed is not None and -(2**63) <= seed < 2**63 else None,
        "clip_skip": clip_skip,
        "size": reader.text("Size", 40),
        "checkpoint_name": reader.text("Model", 512),
        "checkpoint_hash": reader.text("Model hash", 64),
    }


def normalise_image(
    item: Mapping[str, Any],
    path: str,
    problems: list[Problem],
    *,
    posted_version_id: int | None = None,
    posted_model_id: int | None = None,
    base_model: str | None = None,
) -> Row:
    """The row for one image, its resource references included.

    Raises ItemRejected when the image has no usable id or url."""
    reader = _Reader(item, path, problems)
    image_id = reader.required_int("id")
    url = reader.text("url", 1024)
    if not url:
        raise ItemRejected(f"{path}.url is missing")
    level = content_level(item.get("nsfwLevel"))
    if level is None:
        level = content_level(item.get("nsfw"))
    if level is None:
        # An unknown level is treated as the most restrictive, never shown by default.
        problems.append(Problem(f"{path}.nsfw", "unknown content level; stored as X"))
        level = 3
    meta_value = item.get("meta")
    meta: Mapping[str, Any] = meta_value if isinstance(meta_value, Mapping) else {}
    if meta_value is not None and not isinstance(meta_value, Mapping):
        problems.append(Problem(f"{path}.meta", "expected an object; metadata dropped"))
    stats = reader.mapping("stats")
    version_ids = [v for v in reader.items("modelVersionIds") if isinstance(v, int)]
    row: Row = {
        "id": image_id,
        "url": url,
        "width": reader.integer("width"),
        "height": reader.integer("height"),
        "blurhash": reader.text("hash", 128),
        "content_level": level,
        **_meta_settings(meta, f"{path}.meta", problems),
        "base_model": reader.text("baseModel", 80) or base_model,
        "meta": {k: v for k, v in meta.items() if k not in _SETTINGS_KEYS} or None,
        "username": reader.text("username", 255),
        "post_id": reader.integer("postId"),
        "posted_version_id": posted_version_id,
        "posted_model_id": posted_model_id,
        "like_count": int(stats.get("likeCount") or 0) + int(stats.get("heartCount") or 0)
        if isinstance(stats.get("likeCount") or 0, int)
        and isinstance(stats.get("heartCount") or 0, int)
        else 0,
        "comment_count": stats.get("commentCount")
        if isinstance(stats.get("commentCount"), int)
        else 0,
        "created_at": reader.time("createdAt"),
        "source_digest": "",
        "resource_refs": [
            [r.source, r.name, r.hash, r.version_id, r.weight, r.resource_type]
            for r in extract_refs(meta, version_ids)
        ]
        or None,
    }
    return row


def _files(
    version: Mapping[str, Any], version_id: int, path: str, problems: list[Problem]
) -> list[Row]:
    rows: list[Row] = []
    for index, raw in enumerate(version.get("files") or []):
        file_path = f"{path}.files[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem(file_path, "expected an object"))
            continue
        reader = _Reader(raw, file_path, problems)
        file_id = reader.integer("id")
        if file_id is None:
            problems.append(Problem(file_path, "file without id skipped"))
            continue
        name = reader.text("name", 512) or ""
        hashes = {
            k.lower(): v.upper() for k, v in reader.mapping("hashes").items() if isinstance(v, str)
        }
        metadata = reader.mapping("metadata")
        rows.append(
            {
                "id": file_id,
                "version_id": version_id,
                "name": name,
                "stem": _stem(name),
                "size_kb": reader.number("sizeKB"),
                "type": reader.text("type", 40),
                "format": metadata.get("format")
                if isinstance(metadata.get("format"), str)
                else None,
                "is_primary": raw.get("primary") is True,
                "download_url": reader.text("downloadUrl", 1024),
                "sha256": hashes.get("sha256"),
                "autov1": hashes.get("autov1"),
                "autov2": hashes.get("autov2"),
                "autov3": hashes.get("autov3"),
            }
        )
    return rows


def normalise_model(item: Mapping[str, Any], source_digest: str) -> Bundle:
    """Rows for a model item with its versions, files and showcase images."""
    bundle = Bundle()
    problems = bundle.problems
    reader = _Reader(item, "model", problems)
    model_id = reader.required_int("id")
    reader.path = f"model {model_id}"
    name = reader.text("name", 512)
    if not name:
        raise ItemRejected(f"model {model_id}: name is missing")
    model_type = reader.text("type", 40)
    if model_type not in KNOWN_MODEL_TYPES:
        raise ItemRejected(f"model {model_id}: unknown model type {model_type!r}")
    description_html, description_text = _description(reader, "description")
    stats = _Reader(reader.mapping("stats"), f"model {model_id}.stats", problems)
    creator = reader.mapping("creator")
    level = content_level(item.get("nsfwLevel")) if "nsfwLevel" in item else None
    nsfw = reader.flag("nsfw")
    license_keys = (
        "allowNoCredit",
        "allowCommercialUse",
        "allowDerivatives",
        "allowDifferentLicense",
    )
    bundle.tags = _tag_names(reader)
    bundle.model = {
        "id": model_id,
        "name": name,
        "type": model_type,
        "is_lora": model_type in LORA_TYPES,
        "creator": creator.get("username") if isinstance(creator.get("username"), str) else None,
        "description_html": description_html,
        "description_text": description_text,
        "nsfw": nsfw,
        "poi": reader.flag("poi"),
        "content_level": level if level is not None else (2 if nsfw else 0),
        "download_count": stats.integer("downloadCount", 0),
        "favorite_count": stats.integer("favoriteCount", 0),
        "thumbs_up_count": stats.integer("thumbsUpCount", 0),
        "comment_count": stats.integer("commentCount", 0),
        "rating": stats.number("rating") or 0.0,
        "rating_count": stats.integer("ratingCount", 0),
        "tags": bundle.tags,
        "license": {k: item[k] for k in license_keys if k in item},
        "created_at": None,
        "updated_at": None,
        "source_digest": source_digest,
    }
    created: list[datetime] = []
    for position, raw_version in enumerate(reader.items("modelVersions")):
        path = f"model {model_id}.modelVersions[{position}]"
        if not isinstance(raw_version, Mapping):
            problems.append(Problem(path, "expected an object"))
            continue
        try:
            _add_version(bundle, raw_version, model_id, position, path, created)
        except ItemRejected as error:
            problems.append(Problem(path, str(error)))
    if created:
        bundle.model["created_at"] = min(created)
        bundle.model["updated_at"] = max(created)
    return bundle


def _add_version(
    bundle: Bundle,
    raw: Mapping[str, Any],
    model_id: int,
    position: int,
    path: str,
    created: list[datetime],
) -> None:
    reader = _Reader(raw, path, bundle.problems)
    version_id = reader.required_int("id")
    base_model = reader.text("baseModel", 80)
    description_html, _ = _description(reader, "description")
    stats = _Reader(reader.mapping("stats"), f"{path}.stats", bundle.problems)
    created_at = reader.time("publishedAt") or reader.time("createdAt")
    if created_at is not None:
        created.append(created_at)
    bundle.versions.append(
        {
            "id": version_id,
            "model_id": model_id,
            "name": reader.text("name", 512) or "",
            "base_model": base_model,
            "trained_words": reader.strings("trainedWords", 500),
            "description_html": description_html,
            "download_url": reader.text("downloadUrl", 1024),
            "download_count": stats.integer("downloadCount", 0),
            "created_at": created_at,
            "updated_at": reader.time("updatedAt"),
            "position": position,
        }
    )
    bundle.files += _files(raw, version_id, path, bundle.problems)
    for index, raw_image in enumerate(reader.items("images")):
        image_path = f"{path}.images[{index}]"
        if not isinstance(raw_image, Mapping):
            bundle.problems.append(Problem(image_path, "expected an object"))
            continue
        if "id" not in raw_image:
            # Current-shape version images carry no id; they are fetched from /images instead.
            continue
        try:
            row = normalise_image(
                raw_image,
                image_path,
                bundle.problems,
                posted_version_id=version_id,
                posted_model_id=model_id,
                base_model=base_model,
            )
        except ItemRejected as error:
            bundle.problems.append(Problem(image_path, str(error)))
            continue
        bundle.images.append(row)


def item_key(item: Any) -> tuple[str, int] | None:
    """("model" | "image", id) of a raw item, to look up its stored digest; None if unclear."""
    if not isinstance(item, Mapping) or not isinstance(item.get("id"), int):
        return None
    kind = "image" if "url" in item and "modelVersions" not in item else "model"
    return kind, int(item["id"])


def normalise_item(item: Any, source_digest: str | None = None) -> Bundle:
    """A model item (has `modelVersions`) or an image item (has `url`), as rows."""
    if not isinstance(item, Mapping):
        raise ItemRejected(f"expected a JSON object, got {type(item).__name__}")
    source_digest = source_digest or digest(item)
    if "modelVersions" in item or ("type" in item and "url" not in item):
        return normalise_model(item, source_digest)
    if "url" in item:
        bundle = Bundle()
        row = normalise_image(item, f"image {item.get('id')}", bundle.problems)
        row["source_digest"] = source_digest
        bundle.images.append(row)
        return bundle
    raise ItemRejected("neither a model item (modelVersions) nor an image item (url)")
