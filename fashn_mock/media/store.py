"""Rendered outputs, cached within a byte budget (least recently used first out).

Rendering is lazy (first request) and single-flight: concurrent requests for the
same job wait for one render. At most ``max_parallel`` renders run at once, which
bounds peak memory (a 4096x4096 render holds ~50-100 MB while it runs). Cache
hits return the stored bytes: nothing is re-encoded.

The store also owns the held input images (``inputs``, ``media.held``) that
renders read, within a budget of their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future

from fashn_mock.media.fetch import Fetcher
from fashn_mock.media.held import HeldInputs
from fashn_mock.media.job import RenderJob
from fashn_mock.media.render import render
from fashn_mock.media.sources import ImageLoader

Renderer = Callable[[RenderJob], bytes]
MAX_PARALLEL_RENDERS = 2
INPUT_BUDGET_BYTES = 64 * 1024 * 1024
"""Default budget of held input images (``--input-cache-mb``)."""


class MediaStore:
    def __init__(self, budget_bytes: int, renderer: Renderer | None = None, *,
                 fetcher: Fetcher | None = None,
                 max_parallel: int = MAX_PARALLEL_RENDERS,
                 input_budget_bytes: int = INPUT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self.inputs = HeldInputs(input_budget_bytes)
        self.loader = ImageLoader(fetcher, self.inputs)
        self._renderer = renderer or self._render
        self._cache: OrderedDict[RenderJob, bytes] = OrderedDict()
        self._inflight: dict[RenderJob, Future[bytes]] = {}
        self._used = 0
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_parallel)
        self.renders = 0
        """How many times a job was actually rendered (cache misses)."""

    @property
    def used_bytes(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._cache)

    def __contains__(self, job: object) -> bool:
        return job in self._cache

    def get(self, job: RenderJob) -> bytes:
        """The job's bytes: from the cache, from a render in progress, or rendered now."""
        with self._lock:
            cached = self._cache.get(job)
            if cached is not None:
                self._cache.move_to_end(job)
                return cached
            pending = self._inflight.get(job)
            if pending is None:
                future: Future[bytes] = Future()
                self._inflight[job] = future
        if pending is not None:
            return pending.result()
        try:
            with self._slots:
                data = self._renderer(job)
        except BaseException as exc:
            with self._lock:
                del self._inflight[job]
            future.set_exception(exc)
            raise
        with self._lock:
            self.renders += 1
            del self._inflight[job]
            self._keep(job, data)
        future.set_result(data)
        return data

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._used = 0

    def _keep(self, job: RenderJob, data: bytes) -> None:
        if job in self._cache or len(data) > self.budget_bytes:
            return
        self._cache[job] = data
        self._used += len(data)
        while self._used > self.budget_bytes:
            _, evicted = self._cache.popitem(last=False)
            self._used -= len(evicted)

    def _render(self, job: RenderJob) -> bytes:
        return render(job, self.loader)
