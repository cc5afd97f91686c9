"""Benchmarks MiniLM on torch against MiniLM int8 ONNX: throughput, query latency, agreement."""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from atelier.bench_report import markdown_table, write_section
from atelier.embed import Embedder
from atelier.embed.dedup import unique_texts
from atelier.embed.minilm_onnx import MiniLMOnnxEmbedder
from atelier.embed.minilm_torch import MiniLMTorchEmbedder
from atelier.embed.registry import DEFAULT_EMBEDDER, ONNX_EXPORT_DIR
from atelier.embed.texts import image_text

logger = logging.getLogger("bench_embed")

REPO_ROOT = Path(__file__).resolve().parent.parent
DUMP_NAME = "models-2023-07.jsonl.gz"
# The machine the numbers are meant for: two cores, shared with the rest of the app.
THREADS = 2
# Chunks alternate between the two embedders, so a change in background load hits both alike.
CHUNK = 250
BATCH_SIZE = 64
QUERY_WORDS = 6
NEIGHBOURS = 10


def shared_data_dir() -> Path:
    """The shared Civitai data: ATELIER_SHARED_DATA, default ../shared/civitai beside the repo."""
    configured = os.environ.get("ATELIER_SHARED_DATA")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "civitai"
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def data_dir() -> Path:
    """Where the app keeps derived files (ATELIER_DATA_DIR, default ./data), for the ONNX export."""
    path = Path(os.environ.get("ATELIER_DATA_DIR", "data"))
    return path if path.is_absolute() else REPO_ROOT / path


def catalog_image_texts(dump: Path) -> list[str]:
    """The embedding text of every image with a prompt, as the app builds it (prompt + tags).

    Tags are those of the model the image was posted under; the app also adds tags of LoRAs the
    image used, so its texts are a little more varied than these.
    """
    texts: list[str] = []
    with gzip.open(dump, "rt", encoding="utf-8") as lines:
        for line in lines:
            model = json.loads(line)
            tags = [t for t in model.get("tags") or [] if isinstance(t, str)]
            for version in model.get("modelVersions") or []:
                for image in version.get("images") or []:
                    meta = image.get("meta")
                    prompt = meta.get("prompt") if isinstance(meta, dict) else None
                    if isinstance(prompt, str) and prompt.strip():
                        texts.append(image_text(prompt, tags))
    return texts


@dataclass
class Result:
    encode_s: float = 0.0
    encode_cpu_s: float = 0.0
    query_ms: tuple[float, float] = (0.0, 0.0)


def timed_load(embedder: Embedder) -> float:
    start = time.perf_counter()
    embedder.load()
    return time.perf_counter() - start


def query_latency_ms(embedder: Embedder, queries: list[str]) -> tuple[float, float]:
    for query in queries[:10]:  # warm-up: first calls allocate and pick kernels
        embedder.encode_query(query)
    times = []
    for query in queries:
        start = time.perf_counter()
        embedder.encode_query(query)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    return float(p50), float(p95)


def neighbour_overlap(a: NDArray[np.float32], b: NDArray[np.float32], probes: int) -> float:
    """Mean share of the top-k neighbours (among the texts) that both embeddings agree on."""
    overlaps = []
    for i in range(0, len(a), max(1, len(a) // probes)):
        top_a = set(np.argsort(-(a @ a[i]))[1 : NEIGHBOURS + 1].tolist())
        top_b = set(np.argsort(-(b @ b[i]))[1 : NEIGHBOURS + 1].tolist())
        overlaps.append(len(top_a & top_b) / NEIGHBOURS)
    return float(np.mean(overlaps))


def measure(
    models: dict[str, Embedder], texts: list[str], queries: list[str]
) -> tuple[dict[str, Result], dict[str, NDArray[np.float32]]]:
    """Batch-encode `texts` with each model in alternating chunks, then time single queries."""
    results = {key: Result() for key in models}
    parts: dict[str, list[NDArray[np.float32]]] = {key: [] for key in models}
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        for key, model in models.items():
            wall, cpu = time.perf_counter(), time.process_time()
            parts[key].append(model.encode(chunk, batch_size=BATCH_SIZE))
            results[key].encode_s += time.perf_counter() - wall
            results[key].encode_cpu_s += time.process_time() - cpu
        logger.info("encoded %d/%d", start + len(chunk), len(texts))
    for key, model in models.items():
        results[key].query_ms = query_latency_ms(model, queries)
    return results, {key: np.concatenate(chunks) for key, chunks in parts.items()}


_RUN_LINE = re.compile(
    r"embedded (\d+) items \((\d+) distinct texts, (\d+) unchanged\) in (\d+) s, (\d+) texts/s"
)
_TIME_FIELDS = {
    "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
    "user": r"User time \(seconds\): ([\d.]+)",
    "system": r"System time \(seconds\): ([\d.]+)",
    "cpu": r"Percent of CPU this job got: (\d+)%",
    "rss_kb": r"Maximum resident set size \(kbytes\): (\d+)",
}


def _seconds(clock: str) -> float:
    seconds = 0.0
    for part in clock.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


_POOLING_NOTE = (
    "Phrase pooling (`embed/phrases.py`) is what makes the goal reachable: the catalog's 119k "
    "distinct image texts hold 8.2M word pieces (69 each), but their 188k distinct phrases only "
    "1.6M (8.4 each), and each phrase is embedded once for every text that uses it. Whole-text "
    "`minilm-onnx` measured 67 texts/s and 33 minutes on a busy machine (27 CPU ms per text), "
    "and about 150 texts/s (13 CPU ms) on two idle cores, still about 15 minutes."
)


def full_run_report(log: Path, load: str, embedder: str = DEFAULT_EMBEDDER) -> str:
    """The embed-full section from the log of `/usr/bin/time -v atelier -v embed`."""
    text = log.read_text(encoding="utf-8", errors="replace")
    run = _RUN_LINE.search(text)
    found = {key: re.search(pattern, text) for key, pattern in _TIME_FIELDS.items()}
    if run is None or any(match is None for match in found.values()):
        raise SystemExit(f"{log} does not hold a finished `atelier embed` run under time -v")
    items, distinct, unchanged, seconds, rate = (int(g) for g in run.groups())
    values = {key: match.group(1) for key, match in found.items() if match is not None}
    wall = _seconds(values["wall"])
    cpu_s = float(values["user"]) + float(values["system"])
    table = markdown_table(
        ["measure", "value"],
        [
            ["items embedded (images + LoRAs)", f"{items:,} ({unchanged:,} unchanged)"],
            ["distinct texts encoded", f"{distinct:,}"],
            ["encoding time (the command's own count)", f"{seconds / 60:.1f} min"],
            ["distinct texts/s", rate],
            ["wall time, whole command", f"{wall / 60:.1f} min"],
            ["CPU time (user + system)", f"{cpu_s / 60:.1f} min ({values['cpu']}% of a core)"],
            ["CPU ms per distinct text", f"{cpu_s / distinct * 1000:.0f}"],
            ["max RSS", f"{int(values['rss_kb']) / 1024:.0f} MB"],
        ],
    )
    return "\n".join(
        [
            "### Embedding the full catalog (`atelier -v embed`, `--full-run-log`)",
            "",
            f"One real run over the full 2023 catalog with the default embedder (`{embedder}`: "
            "MiniLM int8 ONNX, onnxruntime's default intra-op threads, both cores), timed by "
            "`/usr/bin/time -v`. Goal: under 8 minutes.",
            "",
            table,
            "",
            f"Load average during the run: {load}. {_POOLING_NOTE}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=2000, help="texts for batch encoding")
    parser.add_argument("--queries", type=int, default=200, help="single queries to time")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs alone")
    parser.add_argument(
        "--dump", type=Path, default=None, help=f"JSONL.gz of API items (default: {DUMP_NAME})"
    )
    parser.add_argument(
        "--full-run-log", type=Path, help="only report a full `atelier embed` run from its log"
    )
    parser.add_argument("--load", default="?", help="load average during that run, for the report")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.full_run_log:
        markdown = full_run_report(args.full_run_log, args.load)
        print(markdown)
        if not args.no_write:
            write_section("embed-full", markdown, report=REPO_ROOT / "docs" / "benchmarks.md")
        return 0

    import torch

    torch.set_num_threads(THREADS)
    dump = args.dump or shared_data_dir() / DUMP_NAME
    if not dump.is_file():
        logger.error("no %s; set ATELIER_SHARED_DATA or pass --dump", dump)
        return 1
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    all_texts = catalog_image_texts(dump)
    distinct, _rows = unique_texts(all_texts)
    read_s = time.perf_counter() - started
    logger.info("%d image texts, %d distinct (%.0f s)", len(all_texts), len(distinct), read_s)

    rng = random.Random(0)
    texts = rng.sample(distinct, min(args.texts, len(distinct)))
    queries = [" ".join(t.split()[:QUERY_WORDS]) for t in rng.sample(distinct, args.queries)]

    onnx_dir = data_dir() / "models" / ONNX_EXPORT_DIR
    torch_model = MiniLMTorchEmbedder(num_threads=THREADS)
    onnx_model = MiniLMOnnxEmbedder(onnx_dir, num_threads=THREADS)
    load_s = {
        "torch": timed_load(torch_model),
        # Includes the one-off export when the data dir has none yet.
        "onnx": timed_load(onnx_model),
    }
    results, vectors = measure({"torch": torch_model, "onnx": onnx_model}, texts, queries)

    # A second, smaller pass on one thread: on a busy 2-core machine, two threads per model
    # fight other processes for the cores, which shows most in single-query latency.
    torch.set_num_threads(1)
    onnx_single = MiniLMOnnxEmbedder(onnx_dir, num_threads=1)
    onnx_single.load()
    single, _ = measure(
        {"torch": torch_model, "onnx": onnx_single}, texts[: args.texts // 4], queries
    )
    torch.set_num_threads(THREADS)

    cosines = np.sum(vectors["torch"] * vectors["onnx"], axis=1)
    overlap = neighbour_overlap(vectors["torch"], vectors["onnx"], probes=200)
    load_after = os.getloadavg()[0]

    headers = ["embedder", "threads", "texts", "texts/s", "CPU ms/text"]
    headers += ["query p50 ms", "query p95 ms", "full catalog min"]
    rows: list[list[object]] = []
    for threads, measured, count in (
        (THREADS, results, len(texts)),
        (1, single, args.texts // 4),
    ):
        for key, label in (("torch", "minilm-torch (fp32)"), ("onnx", "minilm-onnx (int8)")):
            r = measured[key]
            rate = count / r.encode_s
            rows.append(
                [
                    label,
                    threads,
                    count,
                    f"{rate:.0f}",
                    f"{r.encode_cpu_s / count * 1000:.1f}",
                    f"{r.query_ms[0]:.1f}",
                    f"{r.query_ms[1]:.1f}",
                    f"{len(distinct) / rate / 60:.0f}",
                ]
            )
    table = markdown_table(headers, rows)
    agreement = markdown_table(
        ["torch vs int8 ONNX", "value"],
        [
            ["mean cosine", f"{cosines.mean():.4f}"],
            ["5th percentile cosine", f"{np.percentile(cosines, 5):.4f}"],
            ["min cosine", f"{cosines.min():.4f}"],
            [f"top-{NEIGHBOURS} neighbour overlap", f"{overlap:.3f}"],
        ],
    )
    markdown = "\n".join(
        [
            "## Text embedding (`scripts/bench_embed.py`)",
            "",
            f"all-MiniLM-L6-v2 on CPU (torch threads via `torch.set_num_threads`, onnxruntime "
            f"intra-op threads), batch size {BATCH_SIZE}. Batch encoding: distinct image texts "
            f"(prompt + model tags, as the app embeds them) sampled from `{dump.name}`; "
            f"queries: {len(queries)} single {QUERY_WORDS}-word queries one at a time. Full "
            f"catalog: {len(all_texts):,} image texts, {len(distinct):,} distinct, each embedded "
            "once (`encode_unique`); the estimate is distinct texts / texts per second. Loading "
            f"took {load_s['torch']:.0f} s (torch) and {load_s['onnx']:.0f} s (int8 ONNX, "
            "including the one-off export if the data dir had none).",
            "",
            table,
            "",
            agreement,
            "",
            f"Measured on a shared 2-core machine that other work was using (load average "
            f"{load_before:.1f} before, {load_after:.1f} after): wall-clock rates are pessimistic "
            "and noisy; CPU ms/text is the steadier comparison. Rerun the script to refresh.",
        ]
    )
    print(markdown)
    if not args.no_write:
        write_section("embed", markdown, report=REPO_ROOT / "docs" / "benchmarks.md")
        logger.info("wrote the embed section of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
