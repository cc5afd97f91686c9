"""Exact LoRA names and trigger words from the database: the path PostgreSQL serves."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select

from atelier.db.fulltext import exact_lora_names
from atelier.db.models import Model, ModelVersion


def _trigger_owners(engine: Engine) -> dict[str, set[int]]:
    owners: dict[str, set[int]] = defaultdict(set)
    with engine.connect() as connection:
        for model_id, words in connection.execute(
            select(ModelVersion.model_id, ModelVersion.trained_words)
            .join(Model, Model.id == ModelVersion.model_id)
            .where(Model.is_lora)
        ):
            for word in words or []:
                if isinstance(word, str) and word.strip():
                    owners[" ".join(word.split()).lower()].add(int(model_id))
    return owners


def test_a_trigger_word_or_a_name_finds_its_lora_whatever_the_case_and_spacing(
    catalog_engine: Engine,
) -> None:
    owners = _trigger_owners(catalog_engine)
    word, ids = next((w, ids) for w, ids in sorted(owners.items()) if len(ids) == 1 and " " in w)
    with catalog_engine.connect() as connection:
        name, name_id = connection.execute(
            select(Model.name, Model.id).where(Model.is_lora).order_by(Model.id).limit(1)
        ).one()
        shouted = "  " + word.upper().replace(" ", "   ") + " "
        assert exact_lora_names(connection, shouted) == sorted(ids)
        assert name_id in exact_lora_names(connection, name.lower())
        assert exact_lora_names(connection, "no lora is called this") == []
        assert exact_lora_names(connection, "   ") == []


def test_a_phrase_shared_by_too_many_loras_names_none(catalog_engine: Engine) -> None:
    word, ids = max(_trigger_owners(catalog_engine).items(), key=lambda item: len(item[1]))
    assert len(ids) > 1
    with catalog_engine.connect() as connection:
        assert exact_lora_names(connection, word, max_owners=len(ids)) == sorted(ids)
        assert exact_lora_names(connection, word, max_owners=len(ids) - 1) == []
