"""A person's interaction history as arrays in the recommender's item space, read from the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from atelier.db.models import Interaction
from atelier.recommend.events import Kind, parse_kind
from atelier.services.recommendations.catalog import RecCatalog

_KIND_CODES = {kind.name.lower(): int(kind) for kind in Kind}


def kind_code(name: str) -> int:
    """The stored kind name as a `Kind` code."""
    code = _KIND_CODES.get(name)
    return code if code is not None else int(parse_kind(name))


def epoch(value: datetime) -> float:
    # SQLite hands back naive datetimes; everything Atelier writes is UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True, eq=False)
class History:
    """Events oldest first: interaction id, item (item-space index), `Kind` code, epoch seconds.

    Events on items the catalog no longer has are dropped.
    """

    ids: NDArray[np.int64]
    items: NDArray[np.int64]
    kinds: NDArray[np.int64]
    times: NDArray[np.float64]

    @classmethod
    def empty(cls) -> History:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def last_id(self) -> int:
        return int(self.ids[-1]) if len(self) else 0

    def select(self, keep: NDArray[np.bool_]) -> History:
        return History(self.ids[keep], self.items[keep], self.kinds[keep], self.times[keep])

    def after(self, interaction_id: int) -> History:
        """Only the events logged after `interaction_id`."""
        return self.select(self.ids > interaction_id)

    def taste(self) -> History:
        """Without impressions: being shown an item says nothing about taste."""
        return self.select(self.kinds != Kind.VIEW)


def items_of(
    catalog: RecCatalog, item_types: list[str], item_ids: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Item-space index of each (type, Civitai id); -1 where the catalog lacks the item."""
    out = np.full(item_ids.shape[0], -1, np.int64)
    is_image = np.array([t == "image" for t in item_types], dtype=bool)
    if is_image.any():
        out[is_image] = catalog.snapshot.images.rows_of(item_ids[is_image])
    if (~is_image).any():
        rows = catalog.snapshot.loras.rows_of(item_ids[~is_image])
        out[~is_image] = np.where(rows >= 0, rows + catalog.n_images, -1)
    return out


def load_history(db: Session, user_id: int, catalog: RecCatalog, limit: int) -> History:
    """The person's latest `limit` events (one indexed query)."""
    rows = list(
        db.execute(
            select(
                Interaction.id,
                Interaction.item_type,
                Interaction.item_id,
                Interaction.kind,
                Interaction.created_at,
            )
            .where(Interaction.user_id == user_id)
            .order_by(Interaction.id.desc())
            .limit(limit)
        )
    )
    if not rows:
        return History.empty()
    rows.reverse()
    items = items_of(catalog, [r[1] for r in rows], np.array([r[2] for r in rows], dtype=np.int64))
    history = History(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        items=items,
        kinds=np.array([kind_code(r[3]) for r in rows], dtype=np.int64),
        times=np.array([epoch(r[4]) for r in rows], dtype=np.float64),
    )
    return history.select(items >= 0)
