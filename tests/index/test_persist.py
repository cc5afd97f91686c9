"""Saving is atomic: a failure at any point leaves the previous index loadable and no debris."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from atelier.index import ExactIndex, IndexFormatError, _persist, load_index, make_index

from .conftest import DIM, civitai_ids, unit_vectors


def _saved(path: Path, n: int) -> ExactIndex:
    index = ExactIndex(DIM)
    index.add(civitai_ids(n), unit_vectors(n))
    index.save(path)
    return index


def test_manifest_records_kind_dim_count_and_version(tmp_path: Path) -> None:
    _saved(tmp_path / "i", 12)
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    assert manifest["kind"] == "exact" and manifest["dim"] == DIM and manifest["count"] == 12
    assert manifest["version"] == _persist.FORMAT_VERSION


def test_saved_arrays_load_without_pickle(tmp_path: Path) -> None:
    _saved(tmp_path / "i", 3)
    for path in (tmp_path / "i").glob("*.npy"):
        np.load(path, allow_pickle=False)


def test_a_crash_while_writing_keeps_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _saved(tmp_path / "i", 5)
    bigger = ExactIndex(DIM)
    bigger.add(civitai_ids(9), unit_vectors(9))

    def broken_save(path: Path, array: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("atelier.index.exact.save_array", broken_save)
    with pytest.raises(OSError, match="disk full"):
        bigger.save(tmp_path / "i")
    assert len(load_index(tmp_path / "i")) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["i"]


def test_a_crash_between_the_renames_is_recovered_on_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _saved(tmp_path / "i", 5)
    real_rename = os.rename
    calls = []

    def rename_then_crash(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the old index is moved aside, the new one not yet in place
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(_persist.os, "rename", rename_then_crash)
    with pytest.raises(KeyboardInterrupt):
        _saved(tmp_path / "i", 9)
    monkeypatch.setattr(_persist.os, "rename", real_rename)
    assert not (tmp_path / "i").exists()
    assert len(load_index(tmp_path / "i")) == 5


def test_save_refuses_to_replace_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"meow")
    with pytest.raises(IndexFormatError, match="not a saved vector index"):
        ExactIndex(DIM).save(tmp_path / "photos")
    assert (tmp_path / "photos" / "cat.jpg").exists()


def test_a_manifest_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    _saved(tmp_path / "i", 2)
    manifest = tmp_path / "i" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "version": 99}))
    with pytest.raises(IndexFormatError, match="version 99"):
        load_index(tmp_path / "i")


def test_arrays_disagreeing_with_the_manifest_are_refused(tmp_path: Path) -> None:
    _saved(tmp_path / "i", 4)
    np.save(tmp_path / "i" / "ids.npy", np.arange(3, dtype=np.int64))
    with pytest.raises(IndexFormatError, match="manifest says 4"):
        load_index(tmp_path / "i")


def test_duplicate_ids_on_disk_are_a_format_error(tmp_path: Path) -> None:
    _saved(tmp_path / "i", 4)
    np.save(tmp_path / "i" / "ids.npy", np.array([1, 2, 2, 3], dtype=np.int64))
    with pytest.raises(IndexFormatError, match="duplicate"):
        load_index(tmp_path / "i")


@pytest.mark.parametrize("kind", ["exact", "hnsw"])
def test_version_1_directories_still_load(kind: str, tmp_path: Path) -> None:
    index = make_index(kind, DIM)
    ids, vectors = civitai_ids(60), unit_vectors(60)
    index.add(ids, vectors)
    index.remove(ids[:5])  # HNSW: five tombstones, which version 1 kept in live.npy
    index.save(tmp_path / "i")
    # Rewrite the directory the way version 1 laid it out: the id of every storage position.
    slot_of = np.load(tmp_path / "i" / "slots.npy")
    manifest = tmp_path / "i" / "manifest.json"
    by_position = np.zeros(json.loads(manifest.read_text())["slots"], np.int64)
    live = np.zeros(by_position.size, np.bool_)
    by_position[slot_of], live[slot_of] = np.load(tmp_path / "i" / "ids.npy"), True
    np.save(tmp_path / "i" / "ids.npy", by_position)
    assert live.all() == (kind == "exact")
    if not live.all():
        np.save(tmp_path / "i" / "live.npy", live)
    (tmp_path / "i" / "slots.npy").unlink()
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "version": 1}))
    loaded = load_index(tmp_path / "i")
    assert len(loaded) == 55
    np.testing.assert_array_equal(loaded.search(vectors[5:], k=1).ids[:, 0], ids[5:])
