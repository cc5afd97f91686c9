"""Every setting is documented in .env.example, and nothing there is stale."""

from __future__ import annotations

import re
from pathlib import Path

from atelier.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def _env_name(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    return alias if isinstance(alias, str) else f"ATELIER_{field_name.upper()}"


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^(ATELIER_[A-Z0-9_]+)=", text, flags=re.M))
    expected = {_env_name(name) for name in Settings.model_fields}

    assert documented == expected
    for name in expected:
        assert re.search(rf"^# .+\n{name}=", text, flags=re.M), f"{name} has no comment above it"


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())
