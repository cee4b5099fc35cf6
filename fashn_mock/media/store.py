"""Rendered outputs, cached within a byte budget (least recently used first out)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from fashn_mock.media.render import RenderJob, render


class MediaStore:
    def __init__(self, budget_bytes: int,
                 renderer: Callable[[RenderJob], bytes] = render) -> None:
        self.budget_bytes = budget_bytes
        self._renderer = renderer
        self._cache: OrderedDict[RenderJob, bytes] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()
        self.renders = 0
        """How many times a job was actually rendered (cache misses)."""

    @property
    def used_bytes(self) -> int:
        return self._used

    def get(self, job: RenderJob) -> bytes:
        with self._lock:
            cached = self._cache.get(job)
            if cached is not None:
                self._cache.move_to_end(job)
                return cached
        data = self._renderer(job)
        with self._lock:
            self.renders += 1
            if job not in self._cache and len(data) <= self.budget_bytes:
                self._cache[job] = data
                self._used += len(data)
                while self._used > self.budget_bytes:
                    _, evicted = self._cache.popitem(last=False)
                    self._used -= len(evicted)
        return data

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._used = 0
