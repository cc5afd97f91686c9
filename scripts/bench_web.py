"""Front-end numbers: bundle sizes, time to first results on /explore, axe-core findings.

Starts `atelier up` on a temporary data dir loaded from the shared sample (or uses --base-url),
runs `node web/scripts/bench.mjs` in Debian's Chromium, and writes the "web" section of
docs/benchmarks.md. Build the front end first (scripts/build-web.sh).

    .venv/bin/python scripts/bench_web.py [--base-url URL] [--runs N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from atelier.bench_report import markdown_table, write_section

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src" / "atelier" / "static"
SAMPLE = ROOT.parent / "shared" / "civitai" / "models-sample.jsonl.gz"
GOAL_FIRST_PAGE_GZIP = 250 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(data_dir: Path) -> Iterator[str]:
    """`atelier up` on the sample; yields its URL once it answers."""
    port = _free_port()
    env = {**os.environ, "ATELIER_DATA_DIR": str(data_dir), "ATELIER_IMPORT": str(SAMPLE)}
    atelier = Path(sys.executable).parent / "atelier"
    with (data_dir / "server.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [str(atelier), "up", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 900
        while True:
            if process.poll() is not None:
                raise SystemExit(f"atelier up exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("atelier up did not answer in time")
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _bundle() -> dict[str, int]:
    """Every built JS and CSS file, raw and gzipped (level 9)."""
    js = list((STATIC / "assets").glob("*.js"))
    css = list((STATIC / "assets").glob("*.css"))

    def gz(files: list[Path]) -> int:
        return sum(len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in files)

    return {
        "js_files": len(js),
        "js_bytes": sum(f.stat().st_size for f in js),
        "js_gzip": gz(js),
        "css_gzip": gz(css),
    }


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} kB"


def _markdown(bundle: dict[str, int], result: dict[str, object]) -> str:
    first = result["first_page"]
    explore = result["explore"]
    assert isinstance(first, dict) and isinstance(explore, dict)
    first_gz = int(first["js_gzip_bytes"])
    verdict = "meets" if first_gz < GOAL_FIRST_PAGE_GZIP else "misses"
    rows: list[list[object]] = [
        [
            "first page JS (landing), gzipped",
            _kb(first_gz),
            f"{verdict} the < 250 kB goal; {len(first['files'])} files",
        ],
        ["first page JS, raw", _kb(int(first["js_bytes"])), ""],
        [
            "all JS chunks, gzipped",
            _kb(bundle["js_gzip"]),
            f"{bundle['js_files']} files (pages load as visited)",
        ],
        ["CSS, gzipped", _kb(bundle["css_gzip"]), ""],
    ]
    labels = {
        "cold_first_image": "/explore cold: first image result",
        "cold_first_lora": "/explore cold: first LoRA result",
        "cold_both": "/explore cold: images and LoRAs both shown",
        "warm_both": "/explore warm (cached page): both shown",
        "refine_ms": "refine: keystroke to new results (300 ms debounce included)",
    }
    for key, label in labels.items():
        value = explore[key]
        assert isinstance(value, dict)
        rows.append([label, f"{value['median_ms']} ms", f"median; best {value['min_ms']} ms"])
    feed = result.get("feed")
    if isinstance(feed, dict):
        change = feed["like_to_change"]
        assert isinstance(change, dict)
        rows.append(
            [
                "like -> feed changed (in page, signed in)",
                f"{change['median_ms']} ms",
                f"median; best {change['min_ms']} ms; changed in {change['changed']} runs",
            ]
        )
    axe = result["axe"]
    assert isinstance(axe, dict)
    found = sum(len(v) for v in axe.values())
    rows.append(
        [
            "axe-core serious + critical violations",
            str(found),
            f"{len(axe)} pages: " + ", ".join(sorted(axe)),
        ]
    )
    load = os.getloadavg()[0]
    head = (
        f"Headless Debian Chromium, 1280x900, Civitai CDN blocked (BlurHash placeholders), "
        f"`atelier up` on the shared sample, query “{result['query']}”, {result['runs']} runs, "
        f"{os.cpu_count()} CPUs at load average {load:.1f} (timings grow with load). "
        "Written by `scripts/bench_web.py`.\n\n"
    )
    return head + markdown_table(["measure", "value", "notes"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="bench a running Atelier instead of starting one")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not touch the docs")
    args = parser.parse_args()
    if not (STATIC / "index.html").is_file():
        raise SystemExit("build the front end first: scripts/build-web.sh")

    def run(url: str) -> dict[str, object]:
        completed = subprocess.run(
            ["node", "scripts/bench.mjs", url, "--runs", str(args.runs)],
            cwd=ROOT / "web",
            capture_output=True,
            text=True,
            check=True,
        )
        loaded: dict[str, object] = json.loads(completed.stdout)
        return loaded

    if args.base_url:
        result = run(args.base_url)
    else:
        with (
            tempfile.TemporaryDirectory(prefix="atelier-bench-web-") as tmp,
            _server(Path(tmp)) as url,
        ):
            result = run(url)
    text = _markdown(_bundle(), result)
    print(text)
    if not args.no_write:
        write_section("web", text, ROOT / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
