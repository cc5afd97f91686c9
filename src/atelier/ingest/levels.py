"""Content levels: Civitai's names, integer levels and bit masks mapped onto 0 None .. 3 X."""

from __future__ import annotations

from typing import Any

LEVEL_NAMES = ("None", "Soft", "Mature", "X")
_BY_NAME = {
    "none": 0, "pg": 0, "safe": 0,
    "soft": 1, "pg13": 1,
    "mature": 2, "r": 2,
    "x": 3, "xxx": 3, "blocked": 3,
}  # fmt: skip


def level_from_name(name: str) -> int | None:
    """`"Mature"` -> 2; None for an unknown name."""
    return _BY_NAME.get(name.strip().lower())


def level_from_bits(value: int) -> int:
    """Civitai's newer levels are bits (1 PG, 2 PG-13, 4 R, 8 X, 16 XXX, 32 blocked); a mask
    of several (a model's union over its images) counts as its highest bit."""
    if value <= 1:
        return 0
    if value < 4:
        return 1
    if value < 8:
        return 2
    return 3


def content_level(value: Any) -> int | None:
    """Any shape Civitai uses for a content level, or None when it is not recognisable."""
    if isinstance(value, bool):
        return 2 if value else 0
    if isinstance(value, int):
        return level_from_bits(value) if value >= 0 else None
    if isinstance(value, str):
        return level_from_name(value)
    return None
