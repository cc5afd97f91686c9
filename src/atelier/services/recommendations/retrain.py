"""Background retraining: after N new taste events or M minutes, never blocking a request.

No thread idles between trainings: a training runs in a short-lived thread started by the
event counter (an interaction listener) or by a request noticing the model is stale, and the
finished model replaces the served one through the `ModelSlot` in one swap. A model written
by `atelier train` (another process) is picked up the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from atelier.recommend.slot import ModelSlot
from atelier.services.interactions import InteractionEvent
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.collaborative import (
    TrainedModel,
    current_run,
    load_trained,
    save_trained,
    train,
)
from atelier.services.recommendations.config import RecommendConfig

logger = logging.getLogger(__name__)

# How often a request may look for a model file written by another process.
FILE_CHECK_S = 30.0
Trainer = Callable[[Engine, RecCatalog, RecommendConfig], TrainedModel | None]


class Retrainer:
    """Decides when to retrain, runs it off the request path and swaps the result in."""

    def __init__(
        self,
        engine: Engine,
        catalog: RecCatalog,
        config: RecommendConfig,
        slot: ModelSlot[TrainedModel],
        trainer: Trainer = train,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.config = config
        self.slot = slot
        self.trainer = trainer
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._last_train = time.monotonic()
        self._last_file_check = 0.0
        self._loaded_run: str | None = None
        self.trainings = 0
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def on_event(self, event: InteractionEvent) -> None:
        """Interaction listener: count taste events and retrain once enough have arrived."""
        with self._lock:
            self._pending += 1
            due = self._pending >= self.config.retrain_events
        if due:
            self.start()

    def tick(self) -> None:
        """Called per request (cheap): retrain when stale, adopt a newer model file."""
        now = time.monotonic()
        with self._lock:
            stale = self._pending > 0 and now - self._last_train >= self.config.retrain_minutes * 60
            check_file = now - self._last_file_check >= FILE_CHECK_S
            if check_file:
                self._last_file_check = now
        if stale:
            self.start()
        elif check_file:
            self.adopt_saved()

    def start(self) -> bool:
        """Begin a training in the background; False if one is already running."""
        with self._lock:
            if self.running:
                return False
            self._pending = 0
            self._last_train = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="atelier-retrain", daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current training (if any) ends; True when none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def _run(self) -> None:
        try:
            trained = self.trainer(self.engine, self.catalog, self.config)
            if trained is None:
                return
            # Built before the swap, so no request waits for it (seconds at 1M images).
            trained.image_retriever(self.config.cf_index_min_images)
            if self.config.model_dir is not None:
                run = save_trained(trained, self.config.model_dir)
                self._loaded_run = run.name
            self.slot.swap(trained)
            self.trainings += 1
            self.last_error = None
        except Exception as exc:  # a failed training must never take the server down
            self.last_error = repr(exc)
            logger.exception("recommender retraining failed")

    def adopt_saved(self) -> bool:
        """Swap in the newest saved model if it is not the one being served."""
        directory = self.config.model_dir
        if directory is None:
            return False
        run = current_run(directory)
        if run is None or run.name == self._loaded_run:
            return False
        return self._adopt(run)

    def _adopt(self, run: Path) -> bool:
        try:
            trained = load_trained(run)
        except Exception:
            logger.exception("cannot load the recommender model in %s", run)
            return False
        current = self.slot.current
        if current is not None and current.trained_at >= trained.trained_at:
            self._loaded_run = run.name
            return False
        self._loaded_run = run.name
        trained.image_retriever(self.config.cf_index_min_images)
        self.slot.swap(trained)
        logger.info("serving the recommender model trained at %s", trained.trained_at)
        return True
