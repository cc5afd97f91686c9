"""Atomic index directories: files written to a temp dir, a JSON manifest last, then renamed."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atelier.index.errors import IndexFormatError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = "atelier-vector-index"
# 2: ids.npy sorted + slots.npy (ids sharing a vector share a slot); 1 had ids by position.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_directory(
    directory: Path, manifest: dict[str, Any], write_files: Callable[[Path], None]
) -> None:
    """Write an index into `directory` so that a crash leaves the old index or the new one.

    Files go to a sibling temp dir (same filesystem, so renames are atomic), the manifest is
    written last and everything is fsynced; only then is the old directory swapped out.
    """
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()) and not (directory / MANIFEST).exists():
        # Refuse to replace a folder that is not an index: it may hold someone's data.
        raise IndexFormatError(f"{directory} exists and is not a saved vector index")
    parent = directory.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=parent))
    try:
        write_files(tmp)
        body = {"format": FORMAT, "version": FORMAT_VERSION, **manifest}
        (tmp / MANIFEST).write_text(json.dumps(body, indent=2, sort_keys=True), encoding="utf-8")
        for path in tmp.iterdir():
            _fsync_path(path)
        _fsync_path(tmp)
        if directory.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".old", dir=parent))
            os.rename(directory, old / "index")
            os.rename(tmp, directory)
            shutil.rmtree(old)
        else:
            os.rename(tmp, directory)
        _fsync_path(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _recover(directory: Path) -> None:
    """Put back the previous index if a crash hit between the two renames of a save."""
    if directory.exists():
        return
    leftovers = sorted(directory.parent.glob(f".{directory.name}.*.old/index/{MANIFEST}"))
    if leftovers:
        logger.warning("restoring %s from an interrupted save", directory)
        os.rename(leftovers[-1].parent, directory)


def read_manifest(directory: Path, kind: str | None = None) -> dict[str, Any]:
    """The manifest of a saved index, checked for format, version and (optionally) kind."""
    directory = Path(directory)
    _recover(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexFormatError(f"no vector index at {directory} (missing {MANIFEST})")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"unreadable manifest at {path}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise IndexFormatError(f"{path} is not an {FORMAT} manifest")
    if manifest.get("version") not in READABLE_VERSIONS:
        raise IndexFormatError(
            f"{path} has format version {manifest.get('version')}, this code reads {FORMAT_VERSION}"
        )
    for field in ("kind", "dim", "count"):
        if field not in manifest:
            raise IndexFormatError(f"{path} lacks the {field!r} field")
    if kind is not None and manifest["kind"] != kind:
        raise IndexFormatError(f"{directory} holds a {manifest['kind']!r} index, not {kind!r}")
    return manifest


def save_array(path: Path, array: NDArray[Any]) -> None:
    """np.save without pickle, so loading can never execute code."""
    np.save(path, array, allow_pickle=False)


def load_array(path: Path, dtype: type[np.generic], ndim: int) -> NDArray[Any]:
    """np.load without pickle, checked for dtype and rank."""
    try:
        array: NDArray[Any] = np.asarray(np.load(path, allow_pickle=False))
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"unreadable array {path}: {exc}") from exc
    if array.dtype != dtype or array.ndim != ndim:
        raise IndexFormatError(
            f"{path} holds {array.dtype} {array.shape}, expected a {ndim}-d {dtype.__name__} array"
        )
    return array


def check_count(directory: Path, manifest: dict[str, Any], count: int) -> None:
    """Fail loudly when the stored arrays disagree with the manifest."""
    if int(manifest["count"]) != count:
        raise IndexFormatError(
            f"{directory}: manifest says {manifest['count']} vectors, files hold {count}"
        )
