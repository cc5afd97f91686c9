"""What an import did and what it skipped, in a form the CLI prints and the DB keeps."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from atelier.ingest.links import LinkCounts
from atelier.ingest.normalise import Problem
from atelier.ingest.writer import WriteCounts

logger = logging.getLogger(__name__)

# Enough to show the pattern of a bad dump without holding a million messages.
MAX_KEPT_PROBLEMS = 1000


@dataclass(slots=True)
class ImportReport:
    """Counts and problems of one import run."""

    source: str
    lines: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    links: LinkCounts | None = None
    lora_coverage: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        logger.warning("skipped: %s", problem)
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append(problem)

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "lines": self.lines,
            "models": self.counts.models,
            "versions": self.counts.versions,
            "images": self.counts.images,
            "unchanged": self.counts.unchanged,
            "problems": self.problem_count,
            "first_problems": [str(p) for p in self.problems[:20]],
            "links": None if self.links is None else self.links.links,
            "lora_coverage": self.lora_coverage,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }
