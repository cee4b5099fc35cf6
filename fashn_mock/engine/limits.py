"""Per-key request rate windows on the emulator clock.

The sliding-window arithmetic is pyrate-limiter's ``InMemoryBucket``, fed with
timestamps from the emulator's clock (its own limiter reads the wall clock, so
only the bucket is used). Window type and keying are undocumented natively
(docs/api-facts.md#rate-limits): the emulator uses a sliding window per API key
and route.
"""

from __future__ import annotations

from bisect import bisect_left

from pyrate_limiter import InMemoryBucket, Rate, RateItem

from fashn_mock.catalog.quotas import RateRule
from fashn_mock.engine.errors import Window


class RateWindows:
    def __init__(self, rules: dict[str, RateRule]) -> None:
        self.rules = dict(rules)
        self._buckets: dict[tuple[str, str], InMemoryBucket] = {}

    def hit(self, key: str, route: str, now: float) -> Window | None:
        """Count one request: the window's numbers after it, and whether it passed;
        None when ``route`` has no limit."""
        rule = self.rules.get(route)
        if rule is None:
            return None
        bucket = self._buckets.get((key, route))
        if bucket is None:
            bucket = InMemoryBucket([Rate(rule.limit, int(rule.window * 1000))])
            self._buckets[(key, route)] = bucket
        now_ms = int(now * 1000)
        bucket.leak(now_ms)
        item = RateItem(key, now_ms)
        allowed = bucket.put(item)
        wait_ms = 0 if allowed else max(0, int(bucket.waiting(item)))  # type: ignore[arg-type]
        window_start = now_ms - int(rule.window * 1000)
        items = bucket.items
        first = bisect_left(items, window_start, key=lambda i: i.timestamp)
        oldest = items[first].timestamp if first < len(items) else now_ms
        return Window(limit=rule.limit, window=rule.window,
                      remaining=max(0, rule.limit - (len(items) - first)),
                      reset_at=(oldest / 1000) + rule.window, retry_after=wait_ms / 1000,
                      passed=allowed)

    def sweep(self, now: float) -> int:
        """Drop buckets whose window holds nothing any more; returns how many."""
        empty = []
        for (key, route), bucket in self._buckets.items():
            bucket.leak(int(now * 1000))
            if not bucket.items:
                empty.append((key, route))
        for bucket_key in empty:
            del self._buckets[bucket_key]
        return len(empty)

    def usage(self, key: str, now: float) -> list[tuple[str, int, float | None]]:
        """Read-only: (route, requests in the window, when the oldest leaves it) of each
        of ``key``'s windows, without counting or dropping anything."""
        found = []
        for (owner, route), bucket in self._buckets.items():
            rule = self.rules.get(route)
            if owner != key or rule is None:
                continue
            start = int(now * 1000) - int(rule.window * 1000)
            first = bisect_left(bucket.items, start, key=lambda i: i.timestamp)
            in_window = bucket.items[first:]
            reset_at = in_window[0].timestamp / 1000 + rule.window if in_window else None
            found.append((route, len(in_window), reset_at))
        return found

    def keys(self) -> set[str]:
        """Keys with a non-empty window (read-only)."""
        return {key for key, _ in self._buckets}

    def __len__(self) -> int:
        return len(self._buckets)

    def forget(self, key: str | None = None) -> None:
        if key is None:
            self._buckets.clear()
        else:
            for bucket_key in [k for k in self._buckets if k[0] == key]:
                del self._buckets[bucket_key]
