"""The prompt phrase index: BM25 whose terms are a prompt's whole phrases, so prompts of one
showcase series (which share phrases, not just common words) find each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from atelier.services.search.keyword import (
    PHRASE_KIND,
    KeywordIndex,
    build_phrase_index,
    keyword_path,
    load_saved_keyword_indexes,
    phrases,
    save_keyword_indexes,
)

PROMPTS = [
    "masterpiece, best quality, 1girl, (wearing luxury dress:1.3), Hasselblad photography",
    "best quality, 1girl, wearing luxury dress, hasselblad   photography, night city",
    "masterpiece, 1girl, luxury hotel, dress, photography of a city at night",
    "<lora:style:0.8>, watercolor harbor, boats at dusk",
    "",
]
IDS = [3, 5, 8, 13, 21]


def _index() -> KeywordIndex:
    return KeywordIndex.build(IDS, ([p] for p in PROMPTS), [1.0], analyser="phrases")


def test_phrases_drop_syntax_weights_and_boilerplate() -> None:
    assert phrases(PROMPTS[0]) == ["1girl", "wearing luxury dress", "hasselblad photography"]
    assert phrases("<lora:style:0.8>, Watercolor  Harbor") == ["watercolor harbor"]
    assert phrases("") == []


def test_a_prompt_sharing_whole_phrases_ranks_above_one_sharing_only_words() -> None:
    query = "1girl, wearing luxury dress, hasselblad photography, outdoors"
    found = _index().search(query, 10).tolist()
    # Prompt 8 has every word of the query's phrases but none of the phrases themselves.
    assert found[:2] == [3, 5]
    assert 8 not in found[:2] and 13 not in found


def test_a_saved_phrase_index_loads_as_a_phrase_index(tmp_path: Path) -> None:
    path = tmp_path / "phrases.npz"
    _index().save(path)
    loaded = KeywordIndex.load(path)
    assert loaded.analyser == "phrases"
    query = "wearing luxury dress, watercolor harbor"
    np.testing.assert_array_equal(loaded.search(query, 10), _index().search(query, 10))


def test_an_unknown_analyser_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown analyser 'stems'"):
        KeywordIndex.build(IDS, ([p] for p in PROMPTS), [1.0], analyser="stems")
    with pytest.raises(ValueError, match="unknown analyser 'stems'"):
        KeywordIndex(np.array(IDS), {}, np.zeros(0, np.float32), [], analyser="stems")


def test_the_phrase_index_is_built_from_the_images_and_saved_beside_the_word_indexes(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    with catalog_engine.connect() as connection:
        built = build_phrase_index(connection)
        saved_words = save_keyword_indexes(connection, tmp_path)
    assert len(built) > 1000 and (np.diff(built.ids) > 0).all()
    assert keyword_path(tmp_path, PHRASE_KIND).is_file()
    loaded = load_saved_keyword_indexes(tmp_path)
    assert loaded is not None and PHRASE_KIND in loaded
    # Word indexes come from SQLite's FTS tables; other databases answer word queries.
    assert saved_words == (catalog_engine.dialect.name == "sqlite")
    assert ("images" in loaded) == saved_words


def test_without_saved_indexes_there_is_nothing_to_load(tmp_path: Path) -> None:
    assert load_saved_keyword_indexes(tmp_path) is None
