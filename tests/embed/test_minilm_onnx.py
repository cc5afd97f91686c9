"""The int8 ONNX MiniLM: agrees with torch, and its export is atomic, cached and reused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from atelier.embed import minilm_onnx
from atelier.embed.minilm_onnx import (
    MANIFEST_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    MiniLMOnnxEmbedder,
    ensure_onnx_export,
)
from atelier.embed.minilm_torch import MiniLMTorchEmbedder
from atelier.embed.texts import image_text

# ---- the real export (model suite) ----


@pytest.mark.model
def test_int8_onnx_agrees_with_torch_on_real_prompts(
    onnx_minilm: MiniLMOnnxEmbedder, torch_minilm: MiniLMTorchEmbedder, real_prompts: list[str]
) -> None:
    onnx = onnx_minilm.encode(real_prompts)
    reference = torch_minilm.encode(real_prompts)
    cosines = np.sum(onnx * reference, axis=1)
    # Measured on this sample: mean about 0.99, worst about 0.97 (per-channel int8 weights).
    assert float(cosines.mean()) > 0.98
    assert float(cosines.min()) > 0.95


@pytest.mark.model
def test_int8_onnx_ranks_neighbours_like_torch(
    onnx_minilm: MiniLMOnnxEmbedder, torch_minilm: MiniLMTorchEmbedder, real_prompts: list[str]
) -> None:
    texts = [image_text(p, []) for p in real_prompts]
    onnx, reference = onnx_minilm.encode(texts), torch_minilm.encode(texts)
    k = 5
    overlap = []
    for i in range(0, len(texts), 3):
        top_onnx = set(np.argsort(-(onnx @ onnx[i]))[1 : k + 1].tolist())
        top_torch = set(np.argsort(-(reference @ reference[i]))[1 : k + 1].tolist())
        overlap.append(len(top_onnx & top_torch) / k)
    assert float(np.mean(overlap)) > 0.8


@pytest.mark.model
def test_padding_in_a_batch_does_not_change_a_short_text_much(
    onnx_minilm: MiniLMOnnxEmbedder,
) -> None:
    # Guards the export against tracing padding away: a short text next to a long one is padded.
    short = "a red fox in the snow"
    alone = onnx_minilm.encode_query(short)
    padded = onnx_minilm.encode([short, "forest, river, mountains, " * 40], batch_size=2)[0]
    assert float(alone @ padded) > 0.99


@pytest.mark.model
def test_export_holds_only_the_int8_model_tokenizer_and_manifest(onnx_export_dir: Path) -> None:
    assert sorted(p.name for p in onnx_export_dir.iterdir()) == sorted(
        [MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE]
    )
    # int8 weights: about a quarter of the 90 MB float model.
    assert (onnx_export_dir / MODEL_FILE).stat().st_size < 30_000_000
    manifest = json.loads((onnx_export_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["quantization"]["per_channel"] is True


@pytest.mark.model
def test_a_second_embedder_reuses_the_export_without_exporting(
    onnx_export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(target: Path, model_dir: Path) -> None:
        raise AssertionError("exported again although a current export exists")

    monkeypatch.setattr(minilm_onnx, "_export_into", refuse)
    embedder = MiniLMOnnxEmbedder(onnx_export_dir, num_threads=1)
    assert embedder.encode(["reused"]).shape == (1, 384)


# ---- export bookkeeping, with a fake exporter (fast, no model) ----


class FakeExporter:
    """Stands in for the torch export: writes placeholder files and counts its calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, target: Path, model_dir: Path) -> None:
        self.calls += 1
        (target / MODEL_FILE).write_text(f"export {self.calls}", encoding="utf-8")
        if self.fail:
            raise RuntimeError("export crashed half-way")
        (target / TOKENIZER_FILE).write_text("{}", encoding="utf-8")


@pytest.fixture
def fake_model_dir(tmp_path: Path) -> Path:
    source = tmp_path / "source-model"
    source.mkdir()
    for name, content in [
        ("model.safetensors", "weights v1"),
        ("config.json", "{}"),
        ("tokenizer.json", "{}"),
    ]:
        (source / name).write_text(content, encoding="utf-8")
    return source


@pytest.fixture
def fake_exporter(monkeypatch: pytest.MonkeyPatch) -> FakeExporter:
    exporter = FakeExporter()
    monkeypatch.setattr(minilm_onnx, "_export_into", exporter)
    return exporter


def _leftovers(parent: Path, keep: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != keep)


def test_export_runs_once_and_is_reused(
    tmp_path: Path, fake_model_dir: Path, fake_exporter: FakeExporter
) -> None:
    target = tmp_path / "models" / "minilm-onnx-int8"
    assert ensure_onnx_export(target, fake_model_dir) == target
    ensure_onnx_export(target, fake_model_dir)
    assert fake_exporter.calls == 1
    assert (target / MODEL_FILE).read_text(encoding="utf-8") == "export 1"
    assert _leftovers(target.parent, keep=target.name) == []


def test_changed_source_weights_trigger_a_fresh_export(
    tmp_path: Path, fake_model_dir: Path, fake_exporter: FakeExporter
) -> None:
    target = tmp_path / "minilm-onnx-int8"
    ensure_onnx_export(target, fake_model_dir)
    (fake_model_dir / "model.safetensors").write_text("weights v2", encoding="utf-8")
    ensure_onnx_export(target, fake_model_dir)
    assert fake_exporter.calls == 2
    assert (target / MODEL_FILE).read_text(encoding="utf-8") == "export 2"
    assert _leftovers(tmp_path, keep=target.name) == ["source-model"]


def test_an_export_from_an_older_recipe_is_replaced(
    tmp_path: Path, fake_model_dir: Path, fake_exporter: FakeExporter
) -> None:
    target = tmp_path / "minilm-onnx-int8"
    ensure_onnx_export(target, fake_model_dir)
    manifest = json.loads((target / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["format"] = 0
    (target / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    ensure_onnx_export(target, fake_model_dir)
    assert fake_exporter.calls == 2


def test_a_crashed_export_leaves_nothing_behind(
    tmp_path: Path, fake_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(minilm_onnx, "_export_into", FakeExporter(fail=True))
    target = tmp_path / "models" / "minilm-onnx-int8"
    with pytest.raises(RuntimeError, match="half-way"):
        ensure_onnx_export(target, fake_model_dir)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_an_export_finished_first_by_another_process_is_kept(
    tmp_path: Path, fake_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "minilm-onnx-int8"
    winner = FakeExporter()
    ensure_onnx_export_real = ensure_onnx_export

    def racing_export(staging: Path, model_dir: Path) -> None:
        # While this export runs, a "competitor" publishes a complete, current export.
        monkeypatch.setattr(minilm_onnx, "_export_into", winner)
        ensure_onnx_export_real(target, model_dir)
        FakeExporter()(staging, model_dir)

    monkeypatch.setattr(minilm_onnx, "_export_into", racing_export)
    ensure_onnx_export(target, fake_model_dir)
    assert (target / MODEL_FILE).read_text(encoding="utf-8") == "export 1"
    assert winner.calls == 1
    assert _leftovers(tmp_path, keep=target.name) == ["source-model"]
