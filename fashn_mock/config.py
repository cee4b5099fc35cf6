"""Emulator settings, shared by the CLI, the Python API and the pytest plugin."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fashn_mock.catalog.quotas import DEFAULT_CONCURRENCY, DEFAULT_RATES, RateRule

MAX_TIME_SCALE = 1000
"""Slowest supported timing: documented durations times 1000 (hours, not years)."""
MAX_CREDITS = 2**53 - 1
"""Largest balance every JSON client reads exactly (JavaScript's safe integers)."""


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8000
    time_scale: float = 1.0
    """Multiplies every documented duration: 1 = real timings, 0 = instant."""
    seed: int | None = None
    """Seeds prediction ids, durations and chaos: the same requests give the same
    results. None (the default): ids are unpredictable (drawn from the OS), so on a
    shared server no key can compute another's ids; durations use a random seed."""
    api_keys: tuple[str, ...] = ()
    """When non-empty, only these Bearer keys are accepted."""
    credits: int | None = None
    """Starting balance per key; None = effectively unlimited."""
    limits: bool = True
    """Rate and concurrency limits; credits are enforced regardless."""
    rates: dict[str, RateRule] = field(default_factory=lambda: dict(DEFAULT_RATES))
    """Per-key rate windows by route: run, status, credits."""
    concurrency: int = DEFAULT_CONCURRENCY
    """Unfinished predictions allowed per key (6; docs/api-facts.md#concurrency)."""
    failure_rate: float = 0.0
    """Chaos: the share of predictions that fail with a random runtime error."""
    jitter: float = 0.0
    """Chaos: durations vary by up to this fraction (0.2 = +-20%)."""
    network_chaos: dict[str, float] = field(default_factory=dict)
    """Chaos: network fault -> the share of API and CDN requests that suffer it, e.g.
    ``{"reset": 0.05, "delay=0.2..1": 0.1}`` (``engine.network``; seeded with ``seed``)."""
    control: bool = True
    """Serve the /_mock control API."""
    control_token: str | None = None
    """When set, /_mock requests need ``X-Fashn-Mock-Token: <token>``."""
    journal_size: int = 1000
    strict: bool = False
    """Check every /v1 request against the contract; violations go to the journal."""
    max_body_bytes: int = 64 * 1024 * 1024
    media_cache_bytes: int = 256 * 1024 * 1024
    input_cache_bytes: int = 64 * 1024 * 1024
    """Budget of held input images (``media.held``): data-URI inputs as rendering uses them."""
    public_url: str | None = None
    """Base URL for output links; default: the host the request was sent to."""
    fetch_inputs: bool = False
    """Fetch URL image inputs (``--fetch-inputs``): loopback hosts, plus
    ``fetch_allow_hosts``. Off: URLs load without being fetched (placeholders)."""
    fetch_allow_hosts: tuple[str, ...] = ()
    """Non-loopback host names that may be fetched when ``fetch_inputs`` is on."""
    webhook_allow_hosts: tuple[str, ...] = ()
    """Non-loopback host names webhooks may be delivered to (loopback is always allowed)."""

    def __post_init__(self) -> None:
        _within("port", self.port, 0, 65535)
        _within("time_scale", self.time_scale, 0, MAX_TIME_SCALE)
        if self.seed is not None:
            _within("seed", self.seed, 0, 2**32 - 1)
        if self.credits is not None:
            _within("credits", self.credits, 0, MAX_CREDITS)
        _within("failure_rate", self.failure_rate, 0, 1)
        _within("jitter", self.jitter, 0, 1, high_open=True)
        _within("concurrency", self.concurrency, 1, None)
        _within("journal_size", self.journal_size, 1, None)
        _within("max_body_bytes", self.max_body_bytes, 1, None)
        _within("media_cache_bytes", self.media_cache_bytes, 0, None)
        _within("input_cache_bytes", self.input_cache_bytes, 0, None)
        for route, rule in self.rates.items():
            _within(f"rates[{route!r}] limit", rule.limit, 1, None)
            _within(f"rates[{route!r}] window", rule.window, 0, None, low_open=True)
        from fashn_mock.engine.network import parse_profile

        self.network_chaos = parse_profile(self.network_chaos)
        if self.control_token is not None and not self.control_token:
            raise ValueError("control_token must not be empty (None = no token)")


def _within(name: str, value: float, low: float, high: float | None, *,
            low_open: bool = False, high_open: bool = False) -> None:
    """A finite number from ``low`` to ``high`` (None: unbounded; ``*_open``: that
    bound excluded), else a ``ValueError`` naming the setting."""
    fits = isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value) and (value > low if low_open else value >= low) and \
        (high is None or (value < high if high_open else value <= high))
    if not fits:
        top = "inf)" if high is None else f"{high}{')' if high_open else ']'}"
        bounds = f"{'(' if low_open else '['}{low}, {top}"
        raise ValueError(f"{name} must be a finite number in {bounds}, not {value!r}")
