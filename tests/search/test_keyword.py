"""KeywordIndex: in-memory BM25 that ranks like SQLite FTS5's bm25(), saved and loaded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from atelier.db.fulltext import _fts5_query, query_terms
from atelier.services.search import keyword
from atelier.services.search.keyword import KeywordIndex

DOCUMENTS = [
    "moody watercolor harbor at dusk, boats, watercolor",
    "1girl, solo, silver hair, anime, detailed eyes",
    "watercolor portrait of an old man",
    "cyberpunk city at night, neon rain, 1girl",
    "harbor at night, fishing boats, oil painting",
    "Café crème, still life, oil painting",
    "detail tweaker, add more details",
    "1girl, anime, school uniform",
]
IDS = [9, 17, 23, 31, 44, 58, 63, 70]


def _fts5_ranking(query: str) -> list[tuple[int, float]]:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    connection.executemany(
        "INSERT INTO docs(rowid, body) VALUES (?, ?)", zip(IDS, DOCUMENTS, strict=True)
    )
    rows = connection.execute(
        "SELECT rowid, -bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), rowid",
        (_fts5_query(query_terms(query)),),
    ).fetchall()
    connection.close()
    return [(int(r[0]), float(r[1])) for r in rows]


@pytest.fixture(params=["dense", "sparse"], autouse=True)
def summing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with scores summed into a catalog-long array, then per matched row."""
    monkeypatch.setattr(keyword, "_SPARSE_RATIO", 0 if request.param == "dense" else 10**9)


def _index() -> KeywordIndex:
    return KeywordIndex.build(IDS, ([d] for d in DOCUMENTS), [1.0])


@pytest.mark.parametrize(
    "query",
    ["watercolor harbor", "1girl anime", "oil painting at night", "cafe", "detail tweaker"],
)
def test_ranking_matches_sqlite_fts5_bm25(query: str) -> None:
    expected = _fts5_ranking(query)
    found = _index().search(query, 10)
    assert found.tolist() == [i for i, _ in expected]


def test_limit_keeps_the_best_and_breaks_ties_by_id() -> None:
    assert _index().search("1girl", 2).tolist() == [i for i, _ in _fts5_ranking("1girl")][:2]
    twins = KeywordIndex.build(
        [1, 3, 5, 8], [["red fox"], ["red"], ["red fox"], ["red fox"]], [1.0]
    )
    assert twins.search("fox", 2).tolist() == [1, 5]


def test_unknown_words_and_empty_queries_find_nothing() -> None:
    assert _index().search("zzzz qqqq", 10).size == 0
    assert _index().search("   ", 10).size == 0
    assert _index().search(",,,", 10).size == 0


def test_weighted_columns_rank_a_name_match_above_a_body_match() -> None:
    index = KeywordIndex.build(
        [1, 2],
        [("Detail Tweaker", "a slider"), ("Other", "tweaker of detail")],
        [10.0, 1.0],
        names=["Detail Tweaker", "Other"],
    )
    assert index.search("detail tweaker", 5).tolist() == [1, 2]
    assert index.exact_names("  detail   TWEAKER ") == [1]
    assert index.exact_names("detail") == []


def test_a_saved_index_loads_with_the_same_results(tmp_path: Path) -> None:
    index = KeywordIndex.build(
        IDS, ([d, d[:10]] for d in DOCUMENTS), [2.0, 1.0], names=["A", "", "Café", *"abcde"]
    )
    index.save(tmp_path / "kw.npz")
    loaded = KeywordIndex.load(tmp_path / "kw.npz")
    for query in ("watercolor harbor", "1girl anime", "cafe crème"):
        np.testing.assert_array_equal(loaded.search(query, 5), index.search(query, 5))
    assert loaded.exact_names("café") == [23]


def test_an_item_s_name_is_the_first_of_its_phrases_even_after_a_reload(tmp_path: Path) -> None:
    names = ["Detail Tweaker\tdetail_tweak\tmore detail", "", "Café Style"]
    index = KeywordIndex.build([4, 9, 15], ([d] for d in "abc"), [1.0], names=names)
    index.save(tmp_path / "kw.npz")
    loaded = KeywordIndex.load(tmp_path / "kw.npz")

    for each in (index, loaded):
        assert [each.name_of(i) for i in (4, 9, 15)] == ["Detail Tweaker", "", "Café Style"]
        assert each.name_of(5) is None and each.name_of(99) is None
    unnamed = KeywordIndex.build([4], (["a"],), [1.0])
    assert unnamed.name_of(4) is None
