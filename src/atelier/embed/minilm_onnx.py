"""all-MiniLM-L6-v2 exported once to int8 ONNX and run with onnxruntime; pooling in numpy."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atelier.embed._common import force_offline, l2_normalize, packaged_minilm_dir
from atelier.embed.errors import EmbedderError, EmbedderUnavailableError
from atelier.embed.minilm_torch import MINILM_DIM, MINILM_MAX_TOKENS

logger = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
# Bump when the export recipe changes, so every existing cache is rebuilt instead of trusted.
EXPORT_FORMAT = 1
_OPSET = 17
# Per-channel int8 weights keep mean cosine to the fp32 model at about 0.99 on Civitai prompts;
# per-tensor int8 fell to about 0.95, too lossy for ranking.
_PER_CHANNEL = True
# The export is checked against the torch model before it is published; below this it is broken
# (for instance a padding mask folded into a constant), not merely quantised.
_MIN_EXPORT_COSINE = 0.95
_CHECK_TEXTS = (
    "a watercolor painting of a harbor at dusk",
    "1girl, solo, long hair, looking at viewer, smile, cherry blossoms, school uniform, outdoors",
    "cyberpunk city street at night, neon signs, rain",
)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_fingerprint(model_dir: Path) -> str:
    """Identifies the source weights, so an upgraded model package invalidates the cache."""
    weights = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    if not weights:
        raise EmbedderUnavailableError(f"no model weights under {model_dir}")
    digest = hashlib.sha256()
    for path in [*weights, model_dir / "config.json", model_dir / TOKENIZER_FILE]:
        digest.update(path.name.encode())
        digest.update(_file_sha256(path).encode())
    return digest.hexdigest()


def _expected_manifest(model_dir: Path) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "source_sha256": _source_fingerprint(model_dir),
        "opset": _OPSET,
        "quantization": {"method": "dynamic", "weight_type": "QInt8", "per_channel": _PER_CHANNEL},
        "dim": MINILM_DIM,
        "max_tokens": MINILM_MAX_TOKENS,
    }


def _is_current(export_dir: Path, expected: dict[str, Any]) -> bool:
    try:
        found = json.loads((export_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(found, dict)
        and all(found.get(key) == value for key, value in expected.items())
        and (export_dir / MODEL_FILE).is_file()
        and (export_dir / TOKENIZER_FILE).is_file()
    )


def ensure_onnx_export(export_dir: Path, model_dir: Path | None = None) -> Path:
    """Return `export_dir` holding an up-to-date int8 ONNX export, exporting it first if needed.

    The export is built in a temporary sibling directory and renamed into place, so a crash or a
    concurrent process never leaves a half-written model where a reader would trust it.
    """
    force_offline()
    source = model_dir or packaged_minilm_dir()
    expected = _expected_manifest(source)
    if _is_current(export_dir, expected):
        return export_dir
    export_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{export_dir.name}.tmp-", dir=export_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the published export is read by others
    try:
        logger.info("exporting MiniLM to int8 ONNX in %s (one-off, about a minute)", export_dir)
        _export_into(staging, source)
        (staging / MANIFEST_FILE).write_text(json.dumps(expected, indent=2), encoding="utf-8")
        _publish(staging, export_dir, expected)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return export_dir


def _publish(staging: Path, export_dir: Path, expected: dict[str, Any]) -> None:
    """Rename `staging` to `export_dir`, moving a stale export aside; a current one is kept."""
    if export_dir.exists():
        if _is_current(export_dir, expected):  # another process finished first: use theirs
            return
        stale = export_dir.with_name(f".{export_dir.name}.stale-{os.getpid()}")
        os.rename(export_dir, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.rename(staging, export_dir)
    except OSError:
        # Lost a race between the check above and the rename; fine if the winner is current.
        if not _is_current(export_dir, expected):
            raise


def _export_into(target: Path, model_dir: Path) -> None:
    import torch
    from onnxruntime.quantization import (  # type: ignore[import-untyped, unused-ignore]
        QuantType,
        quantize_dynamic,
    )
    from transformers import AutoModel

    # Eager attention traces into plain MatMul/Softmax ops: the path this recipe was checked on.
    model = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    )
    model.eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask)
            hidden: torch.Tensor = out.last_hidden_state
            return hidden

    # The example batch carries padding on purpose: some attention paths skip the mask when it
    # is all ones, and tracing records whichever branch the example takes, for good.
    input_ids = torch.tensor([[101] + [2000] * 14 + [102], [101] + [2000] * 6 + [102] + [0] * 8])
    attention_mask = (input_ids != 0).long()
    fp32_path = target / "model-fp32.onnx"
    with warnings.catch_warnings():
        # The TorchScript exporter is the one that needs no extra package (onnxscript); its
        # deprecation and tracer notes are expected here and say nothing about this graph.
        warnings.filterwarnings("ignore", message=r".*might cause the trace to be incorrect")
        warnings.filterwarnings("ignore", message=r".*legacy TorchScript-based ONNX export")
        warnings.filterwarnings("ignore", message=r".*feature will be removed")
        warnings.filterwarnings("ignore", message=r".*aten::index operator of advanced indexing")
        # eval() on the wrapper too: export restores the wrapper's mode, recursively, afterwards.
        wrapper = _LastHiddenState(model).eval()
        with torch.no_grad():
            torch.onnx.export(
                wrapper,
                (input_ids, attention_mask),
                str(fp32_path),
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "sequence"},
                    "attention_mask": {0: "batch", 1: "sequence"},
                    "last_hidden_state": {0: "batch", 1: "sequence"},
                },
                opset_version=_OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
    with _quiet_onnxruntime_root_logging():
        quantize_dynamic(
            str(fp32_path),
            str(target / MODEL_FILE),
            per_channel=_PER_CHANNEL,
            weight_type=QuantType.QInt8,
        )
    fp32_path.unlink()
    shutil.copyfile(model_dir / TOKENIZER_FILE, target / TOKENIZER_FILE)
    _check_against_torch(target, model, model_dir)


class _DropOnnxruntimeChatter(logging.Filter):
    """Drops below-error records that onnxruntime's quantizer logs straight on the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        from_ort = f"{os.sep}onnxruntime{os.sep}" in record.pathname
        return record.levelno >= logging.ERROR or not from_ort


@contextmanager
def _quiet_onnxruntime_root_logging() -> Iterator[None]:
    """The quantizer logs one line per tensor (and a pre-processing hint that does not apply to
    this model) through `logging.info` on the root logger; in app logs that is hundreds of lines.
    """
    root = logging.getLogger()
    chatter = _DropOnnxruntimeChatter()
    root.addFilter(chatter)
    try:
        yield
    finally:
        root.removeFilter(chatter)


def _check_against_torch(export_dir: Path, model: Any, model_dir: Path) -> None:
    """Refuse to publish an export whose vectors disagree with the model it came from."""
    import torch

    model.eval()  # dropout would make the reference itself noisy
    runner = _OnnxRunner(export_dir, num_threads=None)
    got = runner.embed(list(_CHECK_TEXTS))
    ids, mask = runner.tokenize(list(_CHECK_TEXTS))
    with torch.no_grad():
        hidden = model(
            input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
        ).last_hidden_state.numpy()
    want = _mean_pool(hidden, mask)
    cosines = np.sum(got * want, axis=1)
    if float(cosines.min()) < _MIN_EXPORT_COSINE:
        raise EmbedderError(
            f"ONNX export of {model_dir} disagrees with torch (min cosine {cosines.min():.3f})"
        )
    logger.info("ONNX export checked: min cosine to torch %.4f", float(cosines.min()))


def _mean_pool(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    """Average the non-padding token vectors, then normalise: what sentence-transformers does."""
    weights = mask[..., None].astype(np.float32)
    summed = np.sum(hidden * weights, axis=1)
    counts = np.maximum(np.sum(weights, axis=1), 1e-9)
    return l2_normalize(summed / counts)


class _OnnxRunner:
    """Tokenizer plus onnxruntime session over one export directory."""

    def __init__(self, export_dir: Path, num_threads: int | None) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped, unused-ignore]
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(export_dir / TOKENIZER_FILE))
        # The shipped tokenizer.json pads and truncates to a fixed 128; the model's window is 256
        # and padding to the longest text in the batch wastes less work.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        pad_id = tokenizer.token_to_id("[PAD]")
        tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        self._tokenizer = tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        options.log_severity_level = 3  # errors only: ORT's info lines are noise in app logs
        self._session = ort.InferenceSession(
            str(export_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )

    def tokenize(self, texts: list[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        return ids, mask

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        ids, mask = self.tokenize(texts)
        (hidden,) = self._session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask}
        )
        return _mean_pool(np.asarray(hidden, dtype=np.float32), mask)


class MiniLMOnnxEmbedder:
    """The default text embedder: same vectors as MiniLM to about 0.99 cosine, lighter to run.

    `export_dir` is where the export lives (the app passes `<data_dir>/models/minilm-onnx-int8`);
    the first `load()` exports into it, later ones reuse it.
    """

    def __init__(
        self,
        export_dir: Path,
        *,
        model_dir: Path | None = None,
        num_threads: int | None = None,
    ) -> None:
        self._export_dir = Path(export_dir)
        self._model_dir = model_dir
        self._num_threads = num_threads
        self._runner: _OnnxRunner | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "minilm-onnx"

    @property
    def dim(self) -> int:
        return MINILM_DIM

    @property
    def export_dir(self) -> Path:
        return self._export_dir

    def load(self) -> None:
        self._ensure_runner()

    def _ensure_runner(self) -> _OnnxRunner:
        with self._lock:
            if self._runner is None:
                export_dir = ensure_onnx_export(self._export_dir, self._model_dir)
                self._runner = _OnnxRunner(export_dir, self._num_threads)
            return self._runner

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        out = np.zeros((len(texts), MINILM_DIM), dtype=np.float32)
        if len(texts) == 0:
            return out
        runner = self._ensure_runner()
        # Longest first, so each batch holds similar lengths and pads little (as sentence-
        # transformers does); results go back to the caller's order through `order`.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = runner.embed([texts[i] for i in rows])
        return out

    def encode_query(self, text: str) -> NDArray[np.float32]:
        row: NDArray[np.float32] = self.encode([text], batch_size=1)[0]
        return row
