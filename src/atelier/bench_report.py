"""Writes one benchmark's table into its own section of docs/benchmarks.md."""

from __future__ import annotations

import re
from pathlib import Path

DEFAULT_REPORT = Path("docs/benchmarks.md")
_HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the script named in it; rerun the script to refresh it.\n"
)


def write_section(section: str, markdown: str, report: Path = DEFAULT_REPORT) -> None:
    """Replace (or append) the block between this section's markers, leaving the others alone.

    Several scripts share one file, so each owns only the text between its own markers.
    """
    if not re.fullmatch(r"[a-z0-9_-]+", section):
        raise ValueError(f"section names are lower-case slugs, got {section!r}")
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    block = f"{start}\n{markdown.rstrip()}\n{end}"
    text = report.read_text(encoding="utf-8") if report.exists() else _HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text, encoding="utf-8")


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    """A GitHub-flavoured Markdown table; floats keep three significant decimals."""

    def cell(value: object) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
