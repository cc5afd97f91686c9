"""make_index and load_index: kinds by name, clear errors for unknown ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atelier.index import (
    DEFAULT_INDEX_KIND,
    INDEX_KINDS,
    ExactIndex,
    FaissHnswIndex,
    IndexFormatError,
    InvalidInputError,
    UnknownIndexKindError,
    load_index,
    make_index,
)

from .conftest import DIM, civitai_ids, unit_vectors


def test_every_listed_kind_can_be_made_and_the_default_is_one_of_them() -> None:
    assert DEFAULT_INDEX_KIND in INDEX_KINDS
    assert {make_index(kind, DIM).kind for kind in INDEX_KINDS} == set(INDEX_KINDS)


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(UnknownIndexKindError, match=r"'annoy'.*exact.*hnsw.*sq8"):
        make_index("annoy", DIM)


def test_load_index_dispatches_on_the_manifest_kind(tmp_path: Path) -> None:
    index = make_index("hnsw", DIM)
    index.add(civitai_ids(20), unit_vectors(20))
    index.save(tmp_path / "i")
    assert isinstance(load_index(tmp_path / "i"), FaissHnswIndex)


def test_unknown_kind_in_a_manifest_is_a_clear_error(tmp_path: Path) -> None:
    ExactIndex(DIM).save(tmp_path / "i")
    manifest = tmp_path / "i" / "manifest.json"
    body = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**body, "kind": "annoy"}))
    with pytest.raises(UnknownIndexKindError, match="annoy"):
        load_index(tmp_path / "i")


def test_loading_a_missing_directory_says_there_is_no_index(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="no vector index"):
        load_index(tmp_path / "nothing")


def test_a_class_refuses_another_kinds_directory(tmp_path: Path) -> None:
    ExactIndex(DIM).save(tmp_path / "i")
    with pytest.raises(IndexFormatError, match="'exact' index, not 'hnsw'"):
        FaissHnswIndex.load(tmp_path / "i")


def test_parameters_reach_the_constructor_and_wrong_ones_are_refused() -> None:
    index = make_index("hnsw", DIM, ef_search=99)
    assert isinstance(index, FaissHnswIndex) and index.ef_search == 99
    with pytest.raises(InvalidInputError, match="'exact'"):
        make_index("exact", DIM, ef_search=99)
