"""Per-key request rate windows on the emulator clock.

The sliding-window arithmetic is pyrate-limiter's ``InMemoryBucket``, fed with
timestamps from the emulator's clock (its own limiter reads the wall clock, so
only the bucket is used). Window type and keying are undocumented natively
(docs/api-facts.md#rate-limits): the emulator uses a sliding window per API key
and route.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass

from pyrate_limiter import InMemoryBucket, Rate, RateItem

from fashn_mock.catalog.quotas import RateRule


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    """Epoch seconds when the oldest request in the window leaves it."""
    retry_after: float
    """Seconds until a request would pass (0 when allowed)."""

    def headers(self) -> dict[str, str]:
        headers = {"X-RateLimit-Limit": str(self.limit),
                   "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Reset": str(math.ceil(self.reset_at))}
        if not self.allowed:
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return headers


class RateWindows:
    def __init__(self, rules: dict[str, RateRule]) -> None:
        self.rules = dict(rules)
        self._buckets: dict[tuple[str, str], InMemoryBucket] = {}

    def hit(self, key: str, route: str, now: float) -> RateDecision | None:
        """Count one request; None when ``route`` has no limit."""
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
        first = bisect_left(bucket.items, window_start, key=lambda i: i.timestamp)
        in_window = bucket.items[first:]
        oldest = in_window[0].timestamp if in_window else now_ms
        return RateDecision(allowed=allowed, limit=rule.limit,
                            remaining=max(0, rule.limit - len(in_window)),
                            reset_at=(oldest / 1000) + rule.window,
                            retry_after=wait_ms / 1000)

    def forget(self, key: str | None = None) -> None:
        if key is None:
            self._buckets.clear()
        else:
            for bucket_key in [k for k in self._buckets if k[0] == key]:
                del self._buckets[bucket_key]
