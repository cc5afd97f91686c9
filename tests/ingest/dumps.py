"""Helpers that write small dump files for ingest tests."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson


def read_items(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The first `limit` items of a JSONL.gz dump."""
    items: list[dict[str, Any]] = []
    with gzip.open(path, "rb") as handle:
        for line in handle:
            items.append(orjson.loads(line))
            if limit is not None and len(items) >= limit:
                break
    return items


def write_lines(
    path: Path, lines: Iterable[bytes | dict[str, Any] | Any], *, gz: bool = False
) -> Path:
    """Write raw byte lines or JSON-encodable items, one per line."""
    payload = b"".join(
        (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
    )
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def model_item(
    model_id: int,
    version_id: int,
    *,
    model_type: str = "LORA",
    file_name: str = "thing.safetensors",
    autov2: str = "AAAAAAAAAA",
    images: list[dict[str, Any]] | None = None,
    name: str = "Thing",
    description: str = "<p>About</p>",
) -> dict[str, Any]:
    """A minimal 2023-shape model item with one version and one file."""
    return {
        "id": model_id,
        "name": name,
        "description": description,
        "type": model_type,
        "poi": False,
        "nsfw": False,
        "stats": {
            "downloadCount": 10,
            "favoriteCount": 1,
            "commentCount": 0,
            "ratingCount": 0,
            "rating": 0,
        },
        "creator": {"username": "maker"},
        "tags": ["style", "Watercolor"],
        "modelVersions": [
            {
                "id": version_id,
                "modelId": model_id,
                "name": "v1",
                "createdAt": "2023-03-01T10:00:00.000Z",
                "trainedWords": ["trig"],
                "baseModel": "SD 1.5",
                "stats": {"downloadCount": 10},
                "files": [
                    {
                        "id": version_id * 10,
                        "name": file_name,
                        "sizeKB": 1000.0,
                        "type": "Model",
                        "primary": True,
                        "hashes": {"AutoV2": autov2, "SHA256": autov2 + "0" * 54},
                        "downloadUrl": f"https://civitai.com/api/download/models/{version_id}",
                    }
                ],
                "images": images or [],
                "downloadUrl": f"https://civitai.com/api/download/models/{version_id}",
            }
        ],
    }


def image_item(image_id: int, prompt: str = "a cat", **meta: Any) -> dict[str, Any]:
    """A minimal 2023-shape showcase image."""
    return {
        "id": image_id,
        "url": f"https://image.civitai.com/x/{image_id}.jpeg",
        "nsfw": "None",
        "width": 512,
        "height": 768,
        "hash": "U00000fQfQfQfQfQfQfQfQfQfQfQ",
        "meta": {
            "prompt": prompt,
            "steps": 20,
            "sampler": "Euler a",
            "cfgScale": 7,
            "seed": 1,
            **meta,
        },
    }
