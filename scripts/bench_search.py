"""Benchmark: `GET /api/search` server-side latency, throughput and serving memory.

Part 1 serves the app (`atelier serve` on 127.0.0.1) over a prepared data directory (catalog
imported, `atelier index` run) and sends real-looking queries: once from one client, then from
8 concurrent clients. Latency is the app's own `Server-Timing`, so client overhead is excluded.
Part 2 (`--million`) extends the catalog in memory to 1M images with synthetic vectors (real
ones plus noise) and times the search service directly.

    .venv/bin/python scripts/bench_search.py --data-dir data/full [--million]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from atelier.bench_report import markdown_table, write_section  # noqa: E402
from atelier.index.registry import DEFAULT_INDEX_KIND  # noqa: E402

TYPED_QUERIES = [
    "moody watercolor harbor at dusk", "detail tweaker", "cyberpunk city at night neon rain",
    "portrait of an old man, oil painting", "cute chibi cat", "anime girl with long silver hair",
    "isometric cozy room", "ink wash mountains", "steampunk airship", "pixel art dungeon",
    "film photo of a woman on a beach", "dark fantasy knight armor", "studio ghibli style forest",
    "low poly landscape", "flat vector logo", "add more details", "epic space battle",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        / 1024
    )


def _queries(data_dir: Path, count: int) -> list[str]:
    import sqlite3

    connection = sqlite3.connect(data_dir / "atelier.db")
    prompts = [
        row[0]
        for row in connection.execute(
            "SELECT prompt FROM images WHERE prompt IS NOT NULL ORDER BY id"
        )
    ]
    connection.close()
    rng = random.Random(7)
    sampled = []
    for prompt in rng.sample(prompts, count):
        words = prompt.replace("(", " ").replace(")", " ").split()
        sampled.append(" ".join(words[: rng.randint(2, 10)]))
    return TYPED_QUERIES + sampled[: max(0, count - len(TYPED_QUERIES))]


def _server_ms(response: httpx.Response) -> float:
    timing = response.headers["server-timing"]
    return float(timing.split("dur=")[1])


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    array = np.array(values)
    return tuple(float(np.percentile(array, p)) for p in (50, 95, 99))  # type: ignore[return-value]


# Distinct queries sent before timing and never timed: they bring a fresh process (loaded
# model, first touches of the index lists, lazily built filters) to the steady state of a
# server that has been up a while, without warming any timed query's own caches.
WARM_UP_QUERIES = 100


def http_bench(data_dir: Path, queries: list[str], warm_up: list[str]) -> list[list[object]]:
    port = _free_port()
    env = {**os.environ, "ATELIER_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [str(REPO / ".venv/bin/atelier"), "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    rows: list[list[object]] = []
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            for query in warm_up:
                client.get("/api/search", params={"q": query, "limit": 24})
            single = [
                _server_ms(client.get("/api/search", params={"q": q, "limit": 24})) for q in queries
            ]
        p50, p95, p99 = _percentiles(single)
        rows.append(["1 client", len(single), f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}", "-"])
        concurrent: list[float] = []
        lock = threading.Lock()

        def worker(part: list[str]) -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                for query in part:
                    ms = _server_ms(client.get("/api/search", params={"q": query, "limit": 24}))
                    with lock:
                        concurrent.append(ms)

        threads = [threading.Thread(target=worker, args=(queries[i::8],)) for i in range(8)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        p50, p95, p99 = _percentiles(concurrent)
        rows.append(
            [
                "8 clients",
                len(concurrent),
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{p99:.1f}",
                f"{len(concurrent) / wall:.0f}",
            ]
        )
        rows.append(["serving RSS MB", "", f"{_rss_mb(server.pid):.0f}", "", "", ""])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def million_bench(
    data_dir: Path, queries: list[str], warm_up: list[str], kind: str
) -> list[list[object]]:
    from atelier.config import Settings
    from atelier.db.engine import make_engine
    from atelier.index.registry import make_index
    from atelier.services.search.service import SearchRequest
    from atelier.services.search.setup import build_search_service
    from atelier.services.visibility import Visibility

    settings = Settings(data_dir=data_dir)
    # Built as the server builds it, phrase memory included.
    service = build_search_service(
        make_engine(settings.resolved_database_url()),
        settings,
        phrase_memory=settings.query_phrase_memory,
    )
    real = service.indexes["image"]
    snapshot = service.snapshot.images
    ids = snapshot.ids
    vectors = real.get_vectors(ids)
    target = 1_000_000
    copies = int(np.ceil(target / len(ids)))
    rng = np.random.default_rng(0)
    index = make_index(kind, vectors.shape[1])
    all_ids = []
    started = time.perf_counter()
    for copy in range(copies):
        chunk_ids = ids + copy * 10_000_000_000
        noisy = vectors + (rng.normal(0, 0.05, vectors.shape).astype(np.float32) if copy else 0)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        take = min(len(ids), target - copy * len(ids))
        index.add(chunk_ids[:take], noisy[:take].astype(np.float32))
        all_ids.append(chunk_ids[:take])
    build_s = time.perf_counter() - started
    # The snapshot columns grow with the copies, so filters stay exact over all 1M rows.
    from scipy import sparse

    def tile(array: np.ndarray) -> np.ndarray:
        return np.concatenate([array] * copies)[:target]

    snapshot.ids = np.concatenate(all_ids)
    order = np.argsort(snapshot.ids)
    snapshot.ids = snapshot.ids[order]
    for name in ("level", "poi", "created", "popularity"):
        setattr(snapshot, name, tile(getattr(snapshot, name))[order])
    for name in ("base_models", "tags", "types"):
        stacked = sparse.vstack([getattr(snapshot, name)] * copies).tocsr()[:target]
        setattr(snapshot, name, stacked[order])
    service.snapshot.image_loras = sparse.vstack([service.snapshot.image_loras] * copies).tocsr()[
        :target
    ][order]
    service.indexes["image"] = index
    service._allowed.clear()
    timings = []
    for query in warm_up:
        service.search(SearchRequest(query, limit=24), Visibility())
    for query in queries:
        started = time.perf_counter()
        service.search(SearchRequest(query, limit=24), Visibility())
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95, p99 = _percentiles(timings)
    return [
        [
            f"1M images ({kind}), service only",
            len(timings),
            f"{p50:.1f}",
            f"{p95:.1f}",
            f"{p99:.1f}",
            "-",
        ],
        [
            "1M index build s / index MB",
            "",
            f"{build_s:.0f}",
            f"{index.memory_bytes() / 2**20:.0f}",
            "",
            "",
        ],
    ]


# Issue 3's goals: p95 server-side by catalog size, and serving memory.
GOALS = {"180k p95 ms": 20.0, "1M p95 ms": 40.0, "RSS MB": 1536.0}


def goals_text(rows: list[list[object]]) -> str:
    """Met or missed for each goal the rows can answer."""
    found: dict[str, float] = {}
    for row in rows:
        name = str(row[0])
        if name == "1 client":
            found["180k p95 ms"] = float(str(row[3]))
        elif name.startswith("1M images"):
            found["1M p95 ms"] = float(str(row[3]))
        elif name == "serving RSS MB":
            found["RSS MB"] = float(str(row[2]))
    parts = [
        f"{name.replace(' ms', '').replace(' MB', '')} under {GOALS[name]:g}: "
        f"{'met' if value < GOALS[name] else 'missed'} ({value:g})"
        for name, value in found.items()
    ]
    return "Goals: " + "; ".join(parts) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "full")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--million-kind", default=DEFAULT_INDEX_KIND)
    args = parser.parse_args()
    every = _queries(args.data_dir, args.queries + WARM_UP_QUERIES)
    queries, warm_up = every[: args.queries], every[args.queries :]
    loads = [os.getloadavg()[0]]
    rows = http_bench(args.data_dir, queries, warm_up)
    loads.append(os.getloadavg()[0])
    if args.million:
        rows += million_bench(args.data_dir, queries, warm_up, args.million_kind)
        loads.append(os.getloadavg()[0])
    table = markdown_table(["run", "queries", "p50 ms", "p95 ms", "p99 ms", "queries/s"], rows)
    print(table)
    write_section(
        "search-speed",
        "## Search speed (`scripts/bench_search.py`)\n\n"
        "`GET /api/search` (images and LoRAs, limit 24) over the full catalog (180k images) on "
        "this 2-core machine; latency is the app's own Server-Timing (server-side). Queries: "
        f"{len(TYPED_QUERIES)} typed descriptions plus prompt fragments sampled from the "
        f"catalog, after {WARM_UP_QUERIES} other queries warm the process up. Goals: p95 "
        "under 20 ms at 180k, under 40 ms at 1M, serving memory under 1.5 GB. Vector index: "
        f"`{DEFAULT_INDEX_KIND}`. Load average (1 min) at the start and "
        f"after each part: {', '.join(f'{x:.1f}' for x in loads)} on {os.cpu_count()} cores "
        "shared with other work. With 8 clients on 2 cores the server-side time includes "
        "waiting for a core and the GIL, so it measures queueing as much as search; the "
        f"1-client rows are the per-query cost.\n\n{table}\n\n{goals_text(rows)}\n",
    )


if __name__ == "__main__":
    main()
