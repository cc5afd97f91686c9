"""The embed and index stages: embed what is new or changed, rebuild the keyword tables, and
build the on-disk vector indexes from stored embeddings."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, delete, select

from atelier.db import fulltext
from atelier.db.models import Embedding, IngestRun
from atelier.db.upsert import upsert_rows
from atelier.embed.phrases import PHRASES_FILE, PhrasePooledEmbedder
from atelier.embed.protocol import Embedder
from atelier.index.protocol import VectorIndex
from atelier.index.registry import load_index, make_index
from atelier.services.documents import ItemText, image_texts, lora_texts
from atelier.services.search.keyword import save_keyword_indexes

logger = logging.getLogger(__name__)

EMBED_BATCH = 512
ITEM_KINDS = ("image", "lora")
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class EmbedCounts:
    """What an embed run did."""

    items: int = 0
    embedded: int = 0
    distinct_texts: int = 0
    unchanged: int = 0


def _all_texts(engine: Engine, item_type: str) -> list[ItemText]:
    with engine.connect() as connection:
        if item_type == "image":
            return [text for text, _ in image_texts(connection)]
        return [text for text, _ in lora_texts(connection)]


def _stored_digests(engine: Engine, item_type: str, embedder: str) -> dict[int, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Embedding.item_id, Embedding.text_digest).where(
                Embedding.item_type == item_type, Embedding.embedder == embedder
            )
        )
        return {int(item_id): digest for item_id, digest in rows}


def _encode_batch(embedder: Embedder, items: Sequence[ItemText]) -> tuple[NDArray[np.float32], int]:
    # Identical texts (re-posted prompts, empty prompts) are embedded once.
    distinct = list(dict.fromkeys(item.text for item in items))
    vectors = embedder.encode(distinct, batch_size=64)
    row = {text: i for i, text in enumerate(distinct)}
    return vectors[[row[item.text] for item in items]], len(distinct)


def embed_catalog(
    engine: Engine, embedder: Embedder, *, on_progress: Progress | None = None
) -> EmbedCounts:
    """Embed every item whose text is new or changed; each batch commits, so a killed run
    resumes where it stopped."""
    counts = EmbedCounts()
    for item_type in ITEM_KINDS:
        texts = _all_texts(engine, item_type)
        stored = _stored_digests(engine, item_type, embedder.name)
        # Sorted by length then text: identical texts share a batch (embedded once) and each
        # batch pads to similar lengths, which is most of the model's cost.
        todo = sorted(
            (t for t in texts if stored.get(t.item_id) != t.digest),
            key=lambda t: (len(t.text), t.text),
        )
        counts.items += len(texts)
        counts.unchanged += len(texts) - len(todo)
        logger.info("%s: %d of %d texts to embed", item_type, len(todo), len(texts))
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors, distinct = _encode_batch(embedder, batch)
            rows = [
                {
                    "item_type": item.item_type,
                    "item_id": item.item_id,
                    "embedder": embedder.name,
                    "text_digest": item.digest,
                    # float16 halves storage; cosine rankings do not notice.
                    "vector": vector.astype(np.float16).tobytes(),
                }
                for item, vector in zip(batch, vectors, strict=True)
            ]
            with engine.begin() as connection:
                upsert_rows(connection, Embedding, rows, keys=["item_type", "item_id", "embedder"])
            counts.embedded += len(batch)
            counts.distinct_texts += distinct
            if on_progress is not None:
                on_progress(counts.embedded, len(todo))
        live = {t.item_id for t in texts}
        stale = [i for i in stored if i not in live]
        with engine.begin() as connection:
            for start in range(0, len(stale), 500):
                connection.execute(
                    delete(Embedding).where(
                        Embedding.item_type == item_type,
                        Embedding.embedder == embedder.name,
                        Embedding.item_id.in_(stale[start : start + 500]),
                    )
                )
    return counts


def stored_vectors(
    engine: Engine, item_type: str, embedder: str, dim: int
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float32]]]:
    """Stored embeddings in chunks of (ids, vectors)."""
    last = -1
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Embedding.item_id, Embedding.vector)
                .where(
                    Embedding.item_type == item_type,
                    Embedding.embedder == embedder,
                    Embedding.item_id > last,
                )
                .order_by(Embedding.item_id)
                .limit(20_000)
            ).all()
        if not rows:
            return
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(-1, dim)
        yield ids, vectors.astype(np.float32)
        last = int(ids[-1])


def index_dir(data_dir: Path, embedder: str, item_type: str) -> Path:
    """Where the vector index of one kind of item lives."""
    return data_dir / "index" / embedder / f"{item_type}s"


def build_vector_indexes(
    engine: Engine, embedder: Embedder, data_dir: Path, kind: str
) -> dict[str, int]:
    """Rebuild each kind's index from stored embeddings and save it atomically."""
    sizes: dict[str, int] = {}
    for item_type in ITEM_KINDS:
        index = make_index(kind, embedder.dim)
        for ids, vectors in stored_vectors(engine, item_type, embedder.name, embedder.dim):
            index.add(ids, vectors)
        index.save(index_dir(data_dir, embedder.name, item_type))
        sizes[item_type] = len(index)
    return sizes


def load_vector_indexes(data_dir: Path, embedder: str) -> dict[str, VectorIndex] | None:
    """Both saved indexes, or None when they were never built."""
    indexes: dict[str, VectorIndex] = {}
    for item_type in ITEM_KINDS:
        directory = index_dir(data_dir, embedder, item_type)
        if not directory.exists():
            return None
        indexes[item_type] = load_index(directory)
    return indexes


def keyword_dir(data_dir: Path) -> Path:
    """Where the in-memory keyword (BM25) indexes are saved."""
    return data_dir / "index" / "keyword"


def rebuild_fulltext(engine: Engine, data_dir: Path | None = None) -> tuple[int, int]:
    """Replace the keyword tables with the catalog's current texts, and with `data_dir` also
    save the in-memory BM25 indexes built from them that serving loads."""
    with engine.connect() as connection:
        images = [(text.item_id, keywords) for text, keywords in image_texts(connection)]
        loras = [document for _text, document in lora_texts(connection)]
    with engine.begin() as connection:
        fulltext.rebuild(connection, images, loras)
    counts = len(images), len(loras)
    if data_dir is not None:
        del images, loras  # the BM25 build needs the memory more
        with engine.connect() as connection:
            save_keyword_indexes(connection, keyword_dir(data_dir))
    return counts


def _catalog_version(engine: Engine) -> int:
    """Id of the last import run that changed something (re-imports of the same dump don't)."""
    with engine.connect() as connection:
        runs = connection.execute(
            select(IngestRun.id, IngestRun.summary).order_by(IngestRun.id.desc())
        ).all()
    for run_id, summary in runs:
        if not summary or summary.get("models", 1) or summary.get("images", 1):
            return int(run_id)
    return 0


def phrase_file(data_dir: Path, embedder: str) -> Path:
    """Where a phrase-pooled embedder's phrase vectors are kept between runs."""
    return data_dir / "index" / embedder / PHRASES_FILE


def recall_phrases(embedder: Embedder, data_dir: Path) -> int:
    """Load the saved phrase vectors into a phrase-pooled embedder (others have none)."""
    if not isinstance(embedder, PhrasePooledEmbedder):
        return 0
    return embedder.load_phrases(phrase_file(data_dir, embedder.name))


def remember_phrases(embedder: Embedder, data_dir: Path) -> int:
    """Save a phrase-pooled embedder's phrase vectors for the server and the next embed."""
    if not isinstance(embedder, PhrasePooledEmbedder):
        return 0
    return embedder.save_phrases(phrase_file(data_dir, embedder.name))


def _state_path(data_dir: Path, embedder: str) -> Path:
    return data_dir / "index" / embedder / "state.json"


def index_is_current(engine: Engine, data_dir: Path, embedder: str) -> bool:
    """True when the indexes were built after the last import."""
    path = _state_path(data_dir, embedder)
    if not path.is_file():
        return False
    state = json.loads(path.read_text(encoding="utf-8"))
    return bool(state.get("catalog_version") == _catalog_version(engine))


def refresh_search_indexes(
    engine: Engine,
    embedder: Embedder,
    data_dir: Path,
    kind: str,
    *,
    on_progress: Progress | None = None,
) -> EmbedCounts:
    """Embed what changed, rebuild keyword and vector indexes, and remember the catalog version."""
    version = _catalog_version(engine)
    recall_phrases(embedder, data_dir)
    counts = embed_catalog(engine, embedder, on_progress=on_progress)
    remember_phrases(embedder, data_dir)
    rebuild_fulltext(engine, data_dir)
    build_vector_indexes(engine, embedder, data_dir, kind)
    path = _state_path(data_dir, embedder.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"catalog_version": version}), encoding="utf-8")
    return counts
