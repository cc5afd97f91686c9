"""Keyword search over prompts, names, tags and trigger words: SQLite FTS5 or PostgreSQL
full text, behind one interface. Exact names and trigger words always hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

# Prompts are tag soup ("1girl, watercolor, harbor"); words are letters and digits of any
# script, so non-Latin queries work and punctuation can never reach the query syntax.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 24
MAX_TERM_CHARS = 40


@dataclass(frozen=True, slots=True)
class LoraDocument:
    """The searchable fields of one LoRA."""

    id: int
    name: str
    trigger_words: str
    tags: str
    creator: str
    body: str


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, lower-cased, bounded in number and length."""
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        word = word[:MAX_TERM_CHARS]
        if word not in terms:
            terms.append(word)
        if len(terms) == MAX_QUERY_TERMS:
            break
    return terms


def _fts5_query(terms: Sequence[str]) -> str:
    # Each term quoted (FTS5 string syntax: double quotes doubled), any term may match;
    # BM25 rewards documents that match more and rarer terms.
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _tsquery(terms: Sequence[str]) -> str:
    # Words only (see _WORD), so the to_tsquery syntax cannot be injected; prefix match helps
    # partial trigger words.
    return " | ".join(f"'{t}'" for t in terms)


def rebuild(
    connection: Connection, images: Iterable[tuple[int, str]], loras: Iterable[LoraDocument]
) -> None:
    """Replace both full-text tables with the given documents, in the caller's transaction."""
    image_rows = [{"id": i, "body": body} for i, body in images]
    lora_rows = [
        {"id": d.id, "name": d.name, "triggers": d.trigger_words, "tags": d.tags,
         "creator": d.creator, "body": d.body}
        for d in loras
    ]  # fmt: skip
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM fts_images"))
        connection.execute(text("DELETE FROM fts_loras"))
        if image_rows:
            connection.execute(
                text("INSERT INTO fts_images(rowid, body) VALUES (:id, :body)"), image_rows
            )
        if lora_rows:
            connection.execute(
                text(
                    "INSERT INTO fts_loras(rowid, name, triggers, tags, creator, body) "
                    "VALUES (:id, :name, :triggers, :tags, :creator, :body)"
                ),
                lora_rows,
            )
        connection.execute(text("INSERT INTO fts_images(fts_images) VALUES ('optimize')"))
        return
    connection.execute(text("TRUNCATE fts_images, fts_loras"))
    if image_rows:
        connection.execute(
            text(
                "INSERT INTO fts_images(id, document) VALUES (:id, to_tsvector('english', :body))"
            ),
            image_rows,
        )
    if lora_rows:
        connection.execute(
            text(
                "INSERT INTO fts_loras(id, document) VALUES (:id, "
                "setweight(to_tsvector('simple', :name), 'A') || "
                "setweight(to_tsvector('simple', :triggers), 'A') || "
                "setweight(to_tsvector('english', :tags), 'B') || "
                "setweight(to_tsvector('simple', :creator), 'C') || "
                "setweight(to_tsvector('english', :body), 'D'))"
            ),
            lora_rows,
        )


def search_images(connection: Connection, query: str, limit: int) -> list[tuple[int, float]]:
    """(image id, score) best first; higher scores are better on both backends."""
    terms = query_terms(query)
    if not terms:
        return []
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT rowid, -bm25(fts_images) AS score FROM fts_images "
                "WHERE fts_images MATCH :q ORDER BY bm25(fts_images) LIMIT :limit"
            ),
            {"q": _fts5_query(terms), "limit": limit},
        )
    else:
        rows = connection.execute(
            text(
                "SELECT id, ts_rank_cd(document, q) AS score "
                "FROM fts_images, to_tsquery('english', :q) AS q "
                "WHERE document @@ q ORDER BY score DESC LIMIT :limit"
            ),
            {"q": _tsquery(terms), "limit": limit},
        )
    return [(int(row[0]), float(row[1])) for row in rows]


def search_loras(connection: Connection, query: str, limit: int) -> list[tuple[int, float]]:
    """(model id, score) best first; an exact name comes first, then name and trigger words
    weigh most."""
    terms = query_terms(query)
    if not terms:
        return []
    exact = exact_lora_names(connection, query)
    ranked = _ranked_loras(connection, terms, limit)
    top = max((score for _, score in ranked), default=1.0) + 1.0
    return [(i, top) for i in exact] + [(i, s) for i, s in ranked if i not in exact]


# At most this many LoRAs may share a whole name or trigger word for it to pin them first.
MAX_EXACT_OWNERS = 5


def exact_lora_names(
    connection: Connection, query: str, max_owners: int = MAX_EXACT_OWNERS
) -> list[int]:
    """LoRAs whose name or one of whose trigger words is exactly the query (ignoring case and
    spacing); none when more than `max_owners` share it (then it names no one LoRA)."""
    phrase = " ".join(query.split()).lower()
    if not phrase:
        return []
    # Trigger words live in a JSON array per version: json_each on SQLite,
    # jsonb_array_elements_text on PostgreSQL.
    words = (
        "json_each(v.trained_words) AS w WHERE lower(trim(w.value)) = :name"
        if connection.dialect.name == "sqlite"
        else "jsonb_array_elements_text(CASE jsonb_typeof(v.trained_words) WHEN 'array' "
        "THEN v.trained_words ELSE '[]'::jsonb END) AS w(value) "
        "WHERE lower(trim(w.value)) = :name"
    )
    rows = connection.execute(
        text(
            "SELECT id FROM models WHERE is_lora AND lower(name) = :name "
            "UNION SELECT v.model_id FROM model_versions v JOIN models m ON m.id = v.model_id, "
            f"{words} AND m.is_lora "
            "LIMIT :limit"
        ),
        {"name": phrase, "limit": max_owners + 1},
    ).all()
    ids = sorted({int(row[0]) for row in rows})
    return ids if len(ids) <= max_owners else []


def _ranked_loras(connection: Connection, terms: list[str], limit: int) -> list[tuple[int, float]]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT rowid, -bm25(fts_loras, 10.0, 8.0, 4.0, 2.0, 1.0) AS score "
                "FROM fts_loras WHERE fts_loras MATCH :q "
                "ORDER BY bm25(fts_loras, 10.0, 8.0, 4.0, 2.0, 1.0) LIMIT :limit"
            ),
            {"q": _fts5_query(terms), "limit": limit},
        )
    else:
        rows = connection.execute(
            text(
                "SELECT id, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', document, query.q) AS score "
                "FROM fts_loras, "
                "(SELECT to_tsquery('simple', :q) || to_tsquery('english', :q) AS q) AS query "
                "WHERE document @@ query.q ORDER BY score DESC LIMIT :limit"
            ),
            {"q": _tsquery(terms), "limit": limit},
        )
    return [(int(row[0]), float(row[1])) for row in rows]
