"""After an import the database has planner statistics, so card lookups by id stay cheap."""

from __future__ import annotations

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import sqlite

from atelier.db.engine import is_sqlite, refresh_planner_statistics
from atelier.db.models import Model
from atelier.services.visibility import Visibility


def _plan(engine: Engine) -> str:
    with engine.connect() as connection:
        ids = list(connection.scalars(select(Model.id).where(Model.is_lora).limit(24)))
        query = select(Model.id, Model.name).where(
            Model.id.in_(ids), Model.is_lora, Visibility().model_clause()
        )
        compiled = str(
            query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        )
        rows = connection.execute(text("EXPLAIN QUERY PLAN " + compiled))
        return " ".join(str(row[-1]) for row in rows)


def test_an_imported_catalog_has_statistics_and_lookups_by_id_use_the_key(
    catalog_engine: Engine,
) -> None:
    if not is_sqlite(catalog_engine):
        refresh_planner_statistics(catalog_engine)  # PostgreSQL only has to accept ANALYZE
        return
    # The sample catalog was imported by `import_dump_file`, which refreshed statistics.
    with catalog_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one() > 0
    # Without statistics SQLite chose the is_lora index and read every LoRA row.
    assert "ix_models_is_lora" not in _plan(catalog_engine)
    refresh_planner_statistics(catalog_engine)
    assert "ix_models_is_lora" not in _plan(catalog_engine)
