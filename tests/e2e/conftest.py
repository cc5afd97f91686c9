"""A real `atelier up` on a temporary data dir loaded from the shared sample, for browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT

WEB = REPO_ROOT / "web"
CHROMIUM = Path(os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium"))
# The first start imports the sample and builds what search needs; allow for a slow machine.
START_TIMEOUT_S = float(os.environ.get("ATELIER_E2E_START_TIMEOUT", "900"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _missing(reason: str) -> None:
    """Skip where the browser tools are simply absent; fail under `make test`, which installs
    them (ATELIER_REQUIRE_BROWSER=1), so CI can never pass by skipping the journey."""
    if os.environ.get("ATELIER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _require_browser_tools() -> None:
    """Skip (or fail, see `_missing`), saying what is missing, where the browser tests cannot
    run at all."""
    if not CHROMIUM.is_file():
        _missing(f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh")
    if shutil.which("node") is None:
        _missing("no node on PATH")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        _missing("web/node_modules is missing: run `npm ci` in web/ (scripts/build-web.sh)")
    if not (REPO_ROOT / "src" / "atelier" / "static" / "index.html").is_file():
        pytest.fail("the front end is not built: run scripts/build-web.sh")


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def atelier_url(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[str]:
    """`atelier up` (import, then serve) on a fresh data dir; yields its base URL."""
    _require_browser_tools()
    data_dir = tmp_path_factory.mktemp("e2e-data")
    log_path = data_dir / "server.log"
    port = _free_port()
    env = {
        **os.environ,
        "ATELIER_DATA_DIR": str(data_dir),
        "ATELIER_IMPORT": str(shared_data / "models-sample.jsonl.gz"),
    }
    env.pop("ATELIER_DATABASE_URL", None)
    # The real text model by default (search by description, as people use it); for a quick
    # run, ATELIER_E2E_EMBEDDER=hashing skips most of the first start's indexing time.
    if os.environ.get("ATELIER_E2E_EMBEDDER"):
        env["ATELIER_EMBEDDER"] = os.environ["ATELIER_E2E_EMBEDDER"]
    command = [str(Path(sys.executable).parent / "atelier"), "up", "--host", "127.0.0.1"]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"atelier up exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"atelier up did not answer within {START_TIMEOUT_S:.0f}s")
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
