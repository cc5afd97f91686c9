"""Scores over the image -> LoRA graph: LoRAs from images, images from LoRAs, LoRA co-use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from atelier.recommend.events import Kind

_N_KINDS = len(Kind)


@dataclass(frozen=True, eq=False)
class LoraEvidence:
    """Per LoRA: score from the person's images, and the count behind "used in N images you X".

    `kinds` is the interaction kind that contributed most to each LoRA's score (-1: none) and
    `counts` the number of positively weighted images of that kind using it.
    """

    scores: NDArray[np.float32]
    counts: NDArray[np.int32]
    kinds: NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class GraphScores:
    """Scores over one side of the graph, each with the node that contributed most (-1: none)."""

    scores: NDArray[np.float32]
    ref_ids: NDArray[np.int64]
    counts: NDArray[np.int32]


def link_matrix(
    image_idx: ArrayLike, lora_idx: ArrayLike, weights: ArrayLike | None, shape: tuple[int, int]
) -> Any:
    """images x LoRAs csr_matrix of link weights (duplicate links keep the largest weight).

    A missing or non-positive LoRA strength counts as 1: the LoRA was still used.
    """
    images = np.asarray(image_idx, dtype=np.int64)
    loras = np.asarray(lora_idx, dtype=np.int64)
    w = np.ones(images.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.where(np.isfinite(w) & (w > 0), w, 1.0)
    # coo -> csr would sum duplicates, but a link found twice (tag and hash) is still one use.
    keys = images * shape[1] + loras
    order = np.lexsort((-w, keys))
    first = np.unique(keys[order], return_index=True)[1]
    kept = order[first]
    coo = sp.coo_matrix((w[kept], (images[kept], loras[kept])), shape=shape)
    return coo.tocsr().astype(np.float32)


def _binary(links: Any) -> Any:
    out = sp.csr_matrix(links, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    return out


def loras_from_images(
    links: Any, image_idx: ArrayLike, image_weight: ArrayLike, image_kind: ArrayLike
) -> LoraEvidence:
    """LoRA scores = sum over the person's images of interaction weight x link weight.

    `image_idx`, `image_weight` (signed, decayed) and `image_kind` (the dominant `Kind` code) are
    one row per image, as `events.aggregate_user` returns them. Disliked images lower the
    LoRAs they used; only positively weighted images are counted for reasons.
    """
    links = sp.csr_matrix(links, dtype=np.float32)
    images = np.asarray(image_idx, dtype=np.int64)
    weight = np.asarray(image_weight, dtype=np.float64)
    kind = np.asarray(image_kind, dtype=np.int64)
    n_loras = links.shape[1]
    if not (images.shape == weight.shape == kind.shape):
        raise ValueError("image_idx, image_weight and image_kind must have the same length")
    if images.size == 0:
        return LoraEvidence(
            np.zeros(n_loras, np.float32),
            np.zeros(n_loras, np.int32),
            np.full(n_loras, -1, np.int8),
        )
    rows = links[images]
    scores = np.asarray(rows.T @ weight, dtype=np.float64).ravel()

    # Weighted and counted contributions per kind, for choosing the verb of the reason.
    positive = weight > 0
    onehot = sp.csr_matrix(
        (weight[positive], (kind[positive], np.flatnonzero(positive))),
        shape=(_N_KINDS, images.shape[0]),
    )
    by_kind = np.asarray((onehot @ rows).toarray())
    count_onehot = onehot.copy()
    count_onehot.data[:] = 1.0
    counts_by_kind = np.asarray((count_onehot @ _binary(rows)).toarray())
    top = np.argmax(by_kind, axis=0)
    has = by_kind[top, np.arange(n_loras)] > 0
    counts = np.where(has, counts_by_kind[top, np.arange(n_loras)], 0)
    return LoraEvidence(
        scores=scores.astype(np.float32),
        counts=counts.astype(np.int32),
        kinds=np.where(has, top, -1).astype(np.int8),
    )


def images_from_loras(links: Any, lora_weight: ArrayLike) -> GraphScores:
    """Image scores = sum of link weight x how much the person favours each LoRA used.

    `ref_ids` is the LoRA that contributed most; `counts` how many favoured LoRAs the image used.
    """
    links = sp.csr_matrix(links, dtype=np.float32)
    favour = np.asarray(lora_weight, dtype=np.float64)
    if favour.shape != (links.shape[1],):
        raise ValueError("lora_weight needs one value per LoRA column")
    scores = np.asarray(links @ favour, dtype=np.float64).ravel()
    contrib = links.multiply(favour[None, :]).tocsr()
    ref, counts = _row_argmax(contrib)
    return GraphScores(scores.astype(np.float32), ref, counts)


def _row_argmax(matrix: Any) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Per row: the column of the largest positive value (-1 if none), and the positive count."""
    coo = sp.coo_matrix(matrix)
    positive = coo.data > 0
    rows, cols, vals = coo.row[positive], coo.col[positive], coo.data[positive]
    ref = np.full(matrix.shape[0], -1, np.int64)
    counts = np.bincount(rows, minlength=matrix.shape[0]).astype(np.int32)
    if rows.size:
        order = np.lexsort((cols, -vals, rows))
        first = np.unique(rows[order], return_index=True)[1]
        ref[rows[order][first]] = cols[order][first]
    return ref, counts


def co_used_loras(links: Any, saved_loras: ArrayLike, uses: ArrayLike | None = None) -> GraphScores:
    """LoRAs often used in the same images as the saved ones.

    Score = sum over saved LoRAs s of cosine(images using s, images using l); `ref_ids` is the
    saved LoRA with the strongest tie and `counts` the images where the two appear together.
    Saved LoRAs themselves score 0.

    `uses` (images per LoRA over the whole catalog) lets `links` be only the rows of images
    that use a saved LoRA, which is all the co-occurrence needs: a serving shortcut.
    """
    binary = _binary(links).tocsc()
    n_loras = binary.shape[1]
    saved = np.unique(np.asarray(saved_loras, dtype=np.int64))
    if saved.size == 0:
        return GraphScores(
            np.zeros(n_loras, np.float32),
            np.full(n_loras, -1, np.int64),
            np.zeros(n_loras, np.int32),
        )
    uses = (
        np.diff(binary.indptr).astype(np.float64)
        if uses is None
        else np.asarray(uses, dtype=np.float64)
    )
    co = np.asarray((binary[:, saved].T @ binary).toarray(), dtype=np.float64)  # saved x loras
    denom = np.sqrt(uses[saved][:, None] * uses[None, :])
    cosine = np.divide(co, denom, out=np.zeros_like(co), where=denom > 0)
    cosine[:, saved] = 0.0
    scores = cosine.sum(axis=0)
    best = np.argmax(cosine, axis=0)
    has = cosine[best, np.arange(n_loras)] > 0
    ref = np.where(has, saved[best], -1)
    counts = np.where(has, co[best, np.arange(n_loras)], 0)
    return GraphScores(scores.astype(np.float32), ref.astype(np.int64), counts.astype(np.int32))
