"""`atelier stats`: what the catalog holds."""

from __future__ import annotations

from rich.table import Table

from atelier.cli.context import console, engine
from atelier.db.stats import catalog_stats
from atelier.ingest.levels import LEVEL_NAMES


def stats() -> None:
    """Counts per model type, content levels and LoRA link coverage."""
    with engine().connect() as connection:
        numbers = catalog_stats(connection)
    table = Table(title="Atelier catalog")
    table.add_column("what")
    table.add_column("count", justify="right")
    for model_type, count in sorted(numbers.models_by_type.items()):
        table.add_row(f"models: {model_type}", str(count))
    table.add_row("model versions", str(numbers.versions))
    table.add_row("images", str(numbers.images))
    for level, count in sorted(numbers.images_by_level.items()):
        table.add_row(f"images: {LEVEL_NAMES[level]}", str(count))
    table.add_row("image -> version links", str(numbers.links))
    table.add_row("images linked to a LoRA by metadata", f"{numbers.lora_coverage:.1%}")
    table.add_row(
        "images linked to a LoRA incl. showcase", f"{numbers.lora_coverage_with_posted:.1%}"
    )
    console.print(table)
