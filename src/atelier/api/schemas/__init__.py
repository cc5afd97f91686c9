"""Request and response schemas, one module per resource, plus the shared id and text types."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, Field


def _no_control_characters(value: str) -> str:
    # NUL cannot be stored by PostgreSQL at all, and other control characters are never
    # meaningful in names or tags: refuse them up front (422) instead of failing later.
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


PlainText = Annotated[str, AfterValidator(_no_control_characters)]
# Civitai ids are positive and fit a 64-bit integer column.
CatalogId = Annotated[int, Field(ge=1, le=2**63 - 1)]
ItemType = Literal["image", "lora"]
