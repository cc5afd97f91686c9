"""The whole journey in a real browser: sign up to log out, every step against the real server."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import WEB

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]


def test_journey_from_sign_up_to_log_out(atelier_url: str, tmp_path: Path) -> None:
    """register, onboard, log in, search, filter, image -> LoRA, like/save, feed, favorites,
    a collection, a blocked tag vanishing, private pages closed; axe finds nothing serious.

    Set ATELIER_E2E_SHOTS=docs/screenshots to refresh the screenshots while at it.
    """
    report_path = tmp_path / "journey.json"
    command = ["node", "e2e/journey.mjs", atelier_url, "--report", str(report_path)]
    shots = os.environ.get("ATELIER_E2E_SHOTS")
    if shots:
        command += ["--shots", str(Path(shots).resolve())]
    result = subprocess.run(
        command, cwd=WEB, capture_output=True, text=True, timeout=1500, check=False
    )
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    failed = [s for s in report.get("steps", []) if not s.get("ok")]
    assert result.returncode == 0, (
        f"journey failed at {failed[0]['name'] if failed else '?'}:\n"
        f"{result.stdout}\n{result.stderr}"
    )
    assert report.get("ok") is True
