"""The active model: loaded once, swapped atomically, following the champion pointer.

Handlers read :attr:`ModelManager.active` once per request and use that predictor to the
end, so a swap never changes the model under a request in flight. Loading and verifying
a bundle happens in a worker thread; only the final reference assignment touches what
requests see.
"""

from __future__ import annotations

import asyncio
import logging

import anyio.to_thread

from service.metrics import ServiceMetrics
from stance.config import ServiceSettings
from stance.errors import BundleError, StanceError
from stance.predict import Predictor
from stance.store import ChampionPointer, ModelStore

log = logging.getLogger("service.models")


class ModelManager:
    """Owns the active :class:`Predictor` and every change to it."""

    def __init__(self, settings: ServiceSettings, metrics: ServiceMetrics) -> None:
        self.settings = settings
        self.store = ModelStore(settings.store.models_dir, settings.store.model_name)
        self.metrics = metrics
        self.active: Predictor | None = None
        self.pinned = False
        self._seen_pointer: ChampionPointer | None = None
        self._lock = asyncio.Lock()

    # -- loading -------------------------------------------------------------------

    def _load(self, version: int) -> Predictor:
        return Predictor(self.store.load(version), self.settings.limits)

    async def activate(self, version: int, *, reason: str) -> Predictor:
        """Load and verify ``version`` off the event loop, then swap it in.

        Raises the store's or bundle's :class:`StanceError` and keeps the current model
        if the new one cannot be loaded.
        """
        async with self._lock:
            try:
                predictor = await anyio.to_thread.run_sync(self._load, version)
            except BundleError as exc:
                self.metrics.load_failures.inc()
                log.error("model v%s refused (%s): %s", version, reason, exc)
                raise
            except StanceError as exc:
                log.error("model v%s not loaded (%s): %s", version, reason, exc)
                raise
            previous = self.active.version if self.active else None
            self.active = predictor  # the atomic swap
            self.metrics.active_version.set(version)
            self.metrics.swaps.labels(reason=reason).inc()
            log.info("serving %s v%s (was v%s; %s)", predictor.name, version, previous, reason)
            return predictor

    async def start(self) -> None:
        """Load the configured version, or the champion; stay unready if neither loads."""
        try:
            self._seen_pointer = await anyio.to_thread.run_sync(self.store.champion_pointer)
        except StanceError as exc:
            log.error("cannot read the champion pointer: %s", exc)
        champion = self._seen_pointer.version if self._seen_pointer else None
        version = self.settings.model_version or champion
        if version is None:
            log.error("no champion in %s and no STANCE_MODEL_VERSION; not ready", self.store.family_dir)
            return
        try:
            await self.activate(version, reason="startup")
        except StanceError:
            return
        self.pinned = self.settings.model_version is not None

    async def pin(self, version: int) -> Predictor:
        """Serve ``version`` until the champion pointer next changes."""
        predictor = await self.activate(version, reason="pinned")
        self.pinned = True
        return predictor

    # -- following the champion ------------------------------------------------------

    async def check_champion(self) -> None:
        """Swap to the champion if its pointer changed since the last look."""
        try:
            pointer = await anyio.to_thread.run_sync(self.store.champion_pointer)
        except StanceError as exc:
            log.warning("cannot read the champion pointer: %s", exc)
            return
        changed = pointer != self._seen_pointer
        unloaded = self.active is None and not self.pinned
        if pointer is None or not (changed or unloaded):
            return
        self._seen_pointer = pointer
        if self.active is not None and self.active.version == pointer.version:
            self.pinned = False
            return
        try:
            await self.activate(pointer.version, reason="champion")
        except StanceError:
            return  # logged and counted; keep serving what we have
        self.pinned = False

    async def follow_champion(self) -> None:
        """Poll the pointer every ``reload_interval`` seconds until cancelled."""
        interval = self.settings.reload_interval
        while True:
            await asyncio.sleep(interval)
            await self.check_champion()
