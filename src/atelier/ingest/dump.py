"""Imports a JSONL or JSONL.gz dump of Civitai API items, streaming, in committed batches."""

from __future__ import annotations

import gzip
import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import IO, Any

import orjson
from sqlalchemy import Engine, select

from atelier.db.models import Image, Model
from atelier.errors import IngestError
from atelier.ingest.normalise import (
    Bundle,
    ItemRejected,
    Problem,
    digest,
    item_key,
    normalise_item,
)
from atelier.ingest.report import ImportReport
from atelier.ingest.writer import write_bundles

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class DumpLine:
    """One parsed line: its number and either the item or the reason it was rejected."""

    number: int
    bundle: Bundle | None
    problem: Problem | None
    # The item is stored already with the same content: nothing to normalise or write.
    unchanged: bool = False


# Digests of stored items, by ("model" | "image", id).
KnownDigests = dict[tuple[str, int], str]


_CHUNK_BYTES = 1 << 18


def _open(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(stream, raw) where `raw.tell()` reports progress in bytes of the file on disk."""
    raw = path.open("rb")
    head = raw.read(2)
    raw.seek(0)
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw), raw  # type: ignore[return-value]
    return raw, raw


def _lines(stream: IO[bytes]) -> Iterator[bytes | OSError | EOFError]:
    """Lines of the stream; a read error is yielded after every complete line before it."""
    pending = b""
    while True:
        try:
            chunk = stream.read(_CHUNK_BYTES)
        except (OSError, EOFError) as error:
            # Complete lines were already yielded; the partial tail is unusable.
            yield error
            return
        if not chunk:
            if pending:
                yield pending
            return
        pending += chunk
        if len(pending) > MAX_LINE_BYTES and b"\n" not in pending:
            yield EOFError("a line longer than 64 MiB")
            return
        *complete, pending = pending.split(b"\n")
        yield from complete


def read_dump(
    path: Path,
    on_bytes: Callable[[int], None] | None = None,
    known: KnownDigests | None = None,
) -> Iterator[DumpLine]:
    """Parse and normalise each line; a bad line becomes a problem, never an exception. Items
    whose digest matches `known` are reported unchanged without being normalised."""
    if not path.is_file():
        raise IngestError(f"no dump file at {path}")
    stream, raw = _open(path)
    with raw, stream:
        number = 0
        for line in _lines(stream):
            if isinstance(line, OSError | EOFError):
                # A truncated or corrupt file ends the stream: what was read so far still counts.
                reason = f"unreadable from here on ({line})"
                yield DumpLine(number + 1, None, Problem("file", reason, number + 1))
                return
            number += 1
            if on_bytes is not None and number % 50 == 0:
                on_bytes(raw.tell())
            if not line.strip():
                continue
            try:
                item: Any = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield DumpLine(number, None, Problem("line", f"malformed JSON ({error})", number))
                continue
            source_digest = digest(item) if isinstance(item, dict) else None
            key = item_key(item)
            if known and key is not None and known.get(key) == source_digest:
                yield DumpLine(number, None, None, unchanged=True)
                continue
            try:
                bundle = normalise_item(item, source_digest)
            except ItemRejected as error:
                yield DumpLine(number, None, Problem("item", str(error), number))
                continue
            for problem in bundle.problems:
                problem.line = number
            yield DumpLine(number, bundle, None)


# Below this size a second process costs more than it saves.
_PARALLEL_MIN_BYTES = 8 * 1024 * 1024
_Batch = tuple[list[DumpLine], int]


def _produce(
    path: Path,
    queue: Queue[_Batch | BaseException | None],
    batch_size: int,
    known: KnownDigests,
) -> None:
    """Child process: parse and normalise, hand over batches with the byte position."""
    try:
        position = 0

        def remember(done: int) -> None:
            nonlocal position
            position = done

        batch: list[DumpLine] = []
        for line in read_dump(path, remember, known):
            batch.append(line)
            if len(batch) >= batch_size:
                queue.put((batch, position))
                batch = []
        queue.put((batch, position))
        queue.put(None)
    except BaseException as error:
        queue.put(error)


def _parallel_batches(path: Path, batch_size: int, known: KnownDigests) -> Iterator[_Batch]:
    """Normalise in a forked child while the caller writes: the two halves of an import cost
    about the same, so on two cores this nearly halves the wall time."""
    context = multiprocessing.get_context("fork")
    queue: Queue[_Batch | BaseException | None] = context.Queue(maxsize=8)
    child = context.Process(target=_produce, args=(path, queue, batch_size, known), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise IngestError(f"the reader of {path} died unexpectedly") from None
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)


def _serial_batches(path: Path, batch_size: int, known: KnownDigests) -> Iterator[_Batch]:
    position = 0

    def remember(done: int) -> None:
        nonlocal position
        position = done

    batch: list[DumpLine] = []
    for line in read_dump(path, remember, known):
        batch.append(line)
        if len(batch) >= batch_size:
            yield batch, position
            batch = []
    yield batch, position


def _known_digests(engine: Engine) -> KnownDigests:
    """Stored digests of models, and of images that came as items of their own."""
    with engine.connect() as connection:
        known: KnownDigests = {
            ("model", int(i)): d
            for i, d in connection.execute(select(Model.id, Model.source_digest))
        }
        known.update(
            (("image", int(i)), d)
            for i, d in connection.execute(
                select(Image.id, Image.source_digest).where(Image.source_digest != "")
            )
        )
    return known


def import_dump(
    engine: Engine,
    path: Path,
    *,
    batch_size: int = 100,
    on_bytes: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every good line of the dump; each batch commits on its own, so an interrupted
    import keeps what it committed and a re-run completes it (unchanged items are skipped)."""
    if not path.is_file():
        raise IngestError(f"no dump file at {path}")
    report = ImportReport(source=str(path))
    # Forking is only safe while this process runs no other threads (a server, a test client).
    parallel = path.stat().st_size >= _PARALLEL_MIN_BYTES and threading.active_count() == 1
    known = _known_digests(engine)
    batches = (
        _parallel_batches(path, batch_size, known)
        if parallel
        else _serial_batches(path, batch_size, known)
    )
    for lines, position in batches:
        bundles: list[Bundle] = []
        for line in lines:
            report.lines += 1
            if line.unchanged:
                report.counts.unchanged += 1
                continue
            if line.problem is not None:
                report.add_problem(line.problem)
                continue
            assert line.bundle is not None
            for problem in line.bundle.problems:
                report.add_problem(problem)
            bundles.append(line.bundle)
        if bundles:
            with engine.begin() as connection:
                report.counts.add(write_bundles(connection, bundles))
        if on_bytes is not None:
            on_bytes(position)
    return report
