"""Emulator settings, shared by the CLI, the Python API and the pytest plugin."""

from __future__ import annotations

from dataclasses import dataclass, field

from fashn_mock.catalog.quotas import DEFAULT_CONCURRENCY, DEFAULT_RATES, RateRule


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
    """Unfinished predictions allowed per key (DOCS: 6)."""
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
    public_url: str | None = None
    """Base URL for output links; default: the host the request was sent to."""
    fetch_inputs: bool = False
    """Fetch URL image inputs (``--fetch-inputs``): loopback hosts, plus
    ``fetch_allow_hosts``. Off: URLs load without being fetched (placeholders)."""
    fetch_allow_hosts: tuple[str, ...] = ()
    """Non-loopback host names that may be fetched when ``fetch_inputs`` is on."""

    def __post_init__(self) -> None:
        if self.time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        if self.seed is not None and not 0 <= self.seed <= 2**32 - 1:
            raise ValueError("seed must be within 0..4294967295")
        if not 0 <= self.failure_rate <= 1:
            raise ValueError("failure_rate must be within 0..1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be within 0..1 (exclusive)")
        from fashn_mock.engine.network import parse_profile

        self.network_chaos = parse_profile(self.network_chaos)
        if self.concurrency < 1 or self.journal_size < 1:
            raise ValueError("concurrency and journal_size must be >= 1")
