"""FaissIvfIndex: an inverted-file index over 8-bit codes, scanning a few clusters per query."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from atelier.index._arrays import row_blocks
from atelier.index._faiss import (
    FaissIndexBase,
    bitmap_selector,
    decode_rows,
    faiss,
    fit_sq8,
    gather_limit,
    pack_mask,
    search_then_finish,
    unit_range,
)
from atelier.index.errors import IndexFormatError, InvalidInputError
from atelier.index.faiss_sq8 import new_sq8
from atelier.index.filter import AllowedSet

logger = logging.getLogger(__name__)

# Clusters scanned per query. On 180k real image embeddings and a 1M synthetic extension, 32
# of ~sqrt(n) clusters keeps recall@20 near 0.99 while scanning a few percent of the codes;
# see docs/benchmarks.md, section vector-index.
DEFAULT_NPROBE = 32
# The clustering is redone (and every vector re-assigned) whenever the index has grown this
# many times over since it was last trained, so cluster sizes stay near sqrt(n) and the
# amortised cost per insert stays O(1).
RETRAIN_GROWTH = 2.0
MAX_NLIST = 4096
# k-means sees at most this many vectors per cluster: enough for stable centroids, and it
# bounds training to seconds even at 1M vectors.
TRAIN_POINTS_PER_LIST = 64
KMEANS_ITERATIONS = 10
# Removed vectors stay in the flat storage as tombstones until they outnumber the live ones.
COMPACT_DEAD_SHARE = 0.5


def nlist_for(slots: int) -> int:
    """Clusters for `slots` distinct vectors: about sqrt(n), the usual balance between
    scoring centroids and scanning lists."""
    return max(1, min(MAX_NLIST, int(math.sqrt(max(slots, 1)))))


class FaissIvfIndex(FaissIndexBase):
    """IVF over SQ8 codes: each query scores ~sqrt(n) centroids, then the codes of its
    `nprobe` nearest clusters only.

    The codes are kept twice: in slot order (a flat 8-bit store, as `sq8` keeps them, for
    exact filtered scans and decoding) and grouped by cluster inside faiss's IVF, whose
    labels are slot numbers. That is 2 x 384 B per distinct 384-d vector (~770 MB per 1M),
    bought for a build of seconds instead of HNSW's minutes and no graph to degrade. Filters
    too selective for the clusters are answered by an exact scan of just the allowed rows,
    and any query the clusters leave short is finished exactly, so a filtered search always
    returns min(k, allowed) results.
    """

    kind: ClassVar[str] = "ivf"

    def __init__(self, dim: int, *, nprobe: int = DEFAULT_NPROBE) -> None:
        super().__init__(dim)
        if nprobe < 1:
            raise InvalidInputError("nprobe must be >= 1")
        self.nprobe = int(nprobe)
        self._flat = new_sq8(self._dim)
        self._ivf: Any = None
        # Distinct vectors the clusters were trained for; retrain once the index outgrows it.
        self._trained_for = 0
        # True while the IVF lists miss vectors or hold stale codes (only inside `add`).
        self._stale = True

    # -- storage -----------------------------------------------------------------------------

    def _storage(self) -> Any:
        return self._flat

    def _faiss_index(self) -> Any:
        return self._flat

    def _params(self) -> dict[str, Any]:
        return {"nprobe": self.nprobe, "trained_for": self._trained_for}

    @property
    def nlist(self) -> int:
        """Clusters in the current clustering (0 before the first add)."""
        return 0 if self._ivf is None else int(self._ivf.nlist)

    @property
    def dead(self) -> int:
        """Tombstoned slots still held in the flat storage."""
        return self._map.dead

    def _prepare_storage(self, matrix: NDArray[np.float32]) -> bool:
        reencoded = fit_sq8(self._flat, *unit_range(matrix))
        if reencoded:
            # The IVF copies hold codes of the old range: rebuilt at the end of `add`.
            self._stale = True
        return reencoded

    def _append(self, unit: NDArray[np.float32]) -> None:
        if not unit.shape[0]:
            return
        first = int(self._flat.ntotal)
        self._flat.add(unit)
        if not self._stale and self._ivf is not None:
            slots = np.arange(first, first + unit.shape[0], dtype=np.int64)
            self._ivf.add_with_ids(unit, slots)

    def _drop(self, dead: NDArray[np.int64]) -> None:
        if self._ivf is not None and not self._stale:
            self._ivf.remove_ids(faiss.IDSelectorBatch(dead.astype(np.int64)))
        if self._map.dead > COMPACT_DEAD_SHARE * self._map.total:
            self.compact()

    def add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        super().add(ids, vectors)
        # The clusters are (re)built only here, once the slot map agrees with the storage.
        if self._map.live_slots > RETRAIN_GROWTH * self._trained_for:
            self._train()
        elif self._stale and self._ivf is not None:
            self._fill_lists(self._ivf)

    def compact(self) -> None:
        """Drop every tombstone from the flat storage, renumbering slots, and refill the lists."""
        if self._map.dead == 0:
            return
        logger.info("compacting IVF: %d live, %d dead", self._map.live_slots, self._map.dead)
        doomed = ~self._map.live_mask()
        # faiss compacts the codes preserving order, exactly like SlotMap.keep.
        self._flat.remove_ids(bitmap_selector(pack_mask(doomed)))
        self._map.keep(~doomed)
        if self._ivf is not None:
            self._fill_lists(self._ivf)

    # -- clustering --------------------------------------------------------------------------

    def _live_slots(self) -> NDArray[np.int64]:
        return np.flatnonzero(self._map.live_mask()).astype(np.int64)

    def _train(self) -> None:
        """Cluster the live vectors afresh and assign every one of them to a list."""
        live = self._live_slots()
        if live.size == 0:
            return
        nlist = nlist_for(live.size)
        rng = np.random.default_rng(live.size)
        cap = TRAIN_POINTS_PER_LIST * nlist
        sample = live if live.size <= cap else np.sort(rng.choice(live, size=cap, replace=False))
        kmeans = faiss.Kmeans(
            self._dim,
            nlist,
            niter=KMEANS_ITERATIONS,
            spherical=True,
            seed=int(live.size),
            min_points_per_centroid=1,
            max_points_per_centroid=TRAIN_POINTS_PER_LIST,
        )
        kmeans.train(decode_rows(self._flat, sample))
        quantizer = faiss.IndexFlatIP(self._dim)
        quantizer.add(np.ascontiguousarray(kmeans.centroids, dtype=np.float32))
        logger.info("IVF trained: %d clusters for %d vectors", nlist, live.size)
        self._trained_for = int(live.size)
        self._fill_lists(self._new_ivf(quantizer))

    def _new_ivf(self, quantizer: Any) -> Any:
        nlist = int(quantizer.ntotal)
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer,
            self._dim,
            nlist,
            faiss.ScalarQuantizer.QT_8bit,
            faiss.METRIC_INNER_PRODUCT,
            False,  # by_residual off: list codes equal the flat codes, byte for byte
        )
        return ivf

    def _fill_lists(self, ivf: Any) -> None:
        """Empty `ivf`'s lists and assign every live slot to them with the current codes."""
        ivf.reset()
        ivf.sq.trained = self._flat.sq.trained
        ivf.is_trained = True
        live = self._live_slots()
        for block in row_blocks(live.size):
            ivf.add_with_ids(decode_rows(self._flat, live[block]), live[block])
        self._ivf = ivf
        self._stale = False

    # -- search ------------------------------------------------------------------------------

    def _search_slots(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: AllowedSet | None,
        effort: float = 1.0,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        eligible = self._map.live_slots if allowed is None else int(allowed.positions.size)
        share = eligible / max(self._map.live_slots, 1)
        if self._ivf is None or self._stale or self.nprobe >= self.nlist:
            return self._exact(queries, k, allowed)
        if allowed is not None and eligible <= max(k, gather_limit(self._map.total)):
            return self._exact(queries, k, allowed)
        params = faiss.SearchParametersIVF()
        # A filter keeping a share s of the vectors keeps fewer of each probed list, so more
        # lists are probed: 1/sqrt(s) times as many. 1/s (as if every list kept exactly s)
        # over-probes, because real filters follow the clusters (safe images sit together):
        # on the 180k catalog's own vectors, recall@100 of filtered searches at 1/sqrt(s)
        # is 0.89-1.00 across content, base-model and tag filters, at or above the unfiltered
        # search's 0.885, while a PG search costs 0.7x what 1/s cost (docs/benchmarks.md).
        params.nprobe = max(1, min(self.nlist, math.ceil(self.nprobe * effort / math.sqrt(share))))
        if allowed is not None:
            params.sel = bitmap_selector(allowed.bits)
        return search_then_finish(
            self._ivf, queries, k, params, lambda short: self._exact(short, k, allowed)
        )

    def memory_bytes(self) -> int:
        codes = int(self._flat.ntotal) * int(self._flat.code_size)
        if self._ivf is not None:
            # List codes plus one int64 label each, and the centroids.
            codes += int(self._ivf.ntotal) * (int(self._ivf.code_size) + 8)
            codes += 4 * self._dim * self.nlist
        return codes + self._map.nbytes()

    # -- persistence -------------------------------------------------------------------------

    def _write_storage(self, directory: Path) -> None:
        super()._write_storage(directory)
        if self._ivf is not None:
            faiss.write_index(self._ivf, str(directory / "ivf.faiss"))

    @classmethod
    def load(cls, directory: Path) -> Self:
        manifest, ids, slot_of = cls._read_common(directory)
        params = manifest.get("params", {})
        flat = cls._read_faiss(directory, int(manifest["dim"]))
        if not isinstance(flat, faiss.IndexScalarQuantizer):
            raise IndexFormatError(f"{directory} does not hold an 8-bit scalar quantiser")
        loaded = cls(int(flat.d), nprobe=int(params.get("nprobe", DEFAULT_NPROBE)))
        loaded._flat = flat
        loaded._attach_map(Path(directory), ids, slot_of, int(flat.ntotal))
        ivf_path = Path(directory) / "ivf.faiss"
        if ivf_path.is_file():
            ivf = faiss.read_index(str(ivf_path))
            if not isinstance(ivf, faiss.IndexIVFScalarQuantizer) or int(ivf.d) != int(flat.d):
                raise IndexFormatError(f"{ivf_path} does not hold a matching IVF index")
            if int(ivf.ntotal) != loaded._map.live_slots:
                live = loaded._map.live_slots
                raise IndexFormatError(f"{ivf_path} holds {ivf.ntotal} vectors, not {live}")
            loaded._ivf = ivf
            loaded._stale = False
            loaded._trained_for = int(params.get("trained_for", ivf.ntotal))
        return loaded
