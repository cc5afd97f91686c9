"""Importing dumps: counts, idempotence, updates in place, and bad input that loses nothing."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import Engine, func, select

from atelier.db.models import Image, ImageResource, Model, ModelTag, ModelVersion
from atelier.db.stats import catalog_stats
from atelier.ingest.dump import import_dump
from atelier.services.catalog_import import import_dump_file
from tests.ingest.dumps import image_item, model_item, read_items, write_lines


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _links(engine: Engine) -> set[tuple[int, int, str, float | None, bool]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(ImageResource.image_id, ImageResource.version_id, ImageResource.source,
                   ImageResource.weight, ImageResource.posted)
        )  # fmt: skip
        return {tuple(row) for row in rows}  # type: ignore[misc]


def test_sample_dump_imports_every_model_version_and_image(
    engine: Engine, sample_dump: Path
) -> None:
    report = import_dump_file(engine, sample_dump)

    assert report.problem_count == 0
    assert (_count(engine, Model), _count(engine, ModelVersion), _count(engine, Image)) == (
        471,
        915,
        6421,
    )
    with engine.connect() as connection:
        stats = catalog_stats(connection)
    assert stats.models_by_type["LORA"] == 308
    # Most sample images name one of the sample's LoRAs in their metadata.
    assert 0.4 < stats.lora_coverage < 0.8
    assert report.lora_coverage == stats.lora_coverage


def test_reimporting_the_same_dump_changes_nothing(
    catalog_engine: Engine, sample_dump: Path
) -> None:
    links_before = _links(catalog_engine)

    report = import_dump_file(catalog_engine, sample_dump)

    assert report.counts.unchanged == 471
    assert report.counts.models == 0
    # Nothing changed and the last run finished: links are not even re-resolved.
    assert report.links is None
    assert _links(catalog_engine) == links_before
    assert report.lora_coverage is not None and report.lora_coverage > 0.4


def test_a_newer_dump_updates_rows_in_place(
    catalog_engine: Engine, sample_dump: Path, tmp_path: Path
) -> None:
    item = read_items(sample_dump, limit=1)[0]
    item["name"] = "Renamed model"
    item["stats"]["downloadCount"] = 999_999
    newer = write_lines(tmp_path / "newer.jsonl", [item])

    import_dump_file(catalog_engine, newer)

    with catalog_engine.connect() as connection:
        row = connection.execute(
            select(Model.name, Model.download_count).where(Model.id == item["id"])
        ).one()
    assert tuple(row) == ("Renamed model", 999_999)
    assert _count(catalog_engine, Model) == 471


def test_bad_lines_are_reported_with_line_numbers_and_the_rest_imports(
    engine: Engine, tmp_path: Path
) -> None:
    good = model_item(1, 11, images=[image_item(101)])
    missing_id = {k: v for k, v in model_item(2, 12).items() if k != "id"}
    unknown_type = model_item(3, 13, model_type="Spaceship")
    wrong_type_field = model_item(4, 14, images=[image_item(104)])
    wrong_type_field["stats"] = {"downloadCount": "lots"}
    bad_image = model_item(5, 15, images=[{"id": 105}, image_item(106)])
    dump = write_lines(
        tmp_path / "bad.jsonl",
        [good, b"{not json", missing_id, unknown_type, wrong_type_field, b"[1, 2]", bad_image, b""],
    )

    report = import_dump_file(engine, dump)

    messages = [str(p) for p in report.problems]
    assert any(m.startswith("line 2:") and "malformed JSON" in m for m in messages)
    assert any(m.startswith("line 3:") and "id is missing" in m for m in messages)
    assert any(m.startswith("line 4:") and "unknown model type 'Spaceship'" in m for m in messages)
    assert any(m.startswith("line 5:") and "downloadCount" in m for m in messages)
    assert any(m.startswith("line 6:") and "expected a JSON object" in m for m in messages)
    assert any(m.startswith("line 7:") and "url is missing" in m for m in messages)
    with engine.connect() as connection:
        assert sorted(connection.execute(select(Model.id)).scalars()) == [1, 4, 5]
        assert sorted(connection.execute(select(Image.id)).scalars()) == [101, 104, 106]
        assert (
            connection.execute(select(Model.download_count).where(Model.id == 4)).scalar_one() == 0
        )


def test_descriptions_are_stored_sanitised_with_a_text_form(engine: Engine, tmp_path: Path) -> None:
    hostile = (
        '<p onmouseover="steal()">Soft light<script>alert(1)</script> '
        '<a href="javascript:x()">link</a></p>'
    )
    dump = write_lines(tmp_path / "d.jsonl", [model_item(1, 11, description=hostile)])

    import_dump_file(engine, dump)

    with engine.connect() as connection:
        html, text = connection.execute(
            select(Model.description_html, Model.description_text)
        ).one()
    assert "script" not in html and "onmouseover" not in html and "javascript" not in html
    assert text == "Soft light link"


def test_a_truncated_gzip_keeps_what_was_read(
    engine: Engine, sample_dump: Path, tmp_path: Path
) -> None:
    with gzip.open(sample_dump) as handle:
        whole = gzip.compress(b"".join(handle.readlines()[:50]))
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])

    report = import_dump(engine, truncated)

    assert report.problem_count == 1
    assert "unreadable" in str(report.problems[0])
    assert 0 < _count(engine, Model) < 50


def test_tags_are_normalised_and_deduplicated(engine: Engine, tmp_path: Path) -> None:
    item = model_item(1, 11)
    item["tags"] = ["Watercolor", "watercolor", "  Soft   Light ", {"name": "Style"}, 7]
    import_dump_file(engine, write_lines(tmp_path / "t.jsonl", [item]))

    with engine.connect() as connection:
        tags = sorted(connection.execute(select(ModelTag.tag)).scalars())
    assert tags == ["soft light", "style", "watercolor"]
