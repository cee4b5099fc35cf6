"""Emulator settings, shared by the CLI, the Python API and the pytest plugin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8000
    time_scale: float = 1.0
    """Multiplies every documented duration: 1 = real timings, 0 = instant."""
    seed: int = 0
    """Seeds prediction ids and durations: the same requests give the same results."""
    api_keys: tuple[str, ...] = ()
    """When non-empty, only these Bearer keys are accepted."""
    credits: int | None = None
    """Starting balance per key; None = effectively unlimited."""
    limits: bool = True
    """Rate and concurrency limits (issue "Quotas")."""
    max_body_bytes: int = 64 * 1024 * 1024
    media_cache_bytes: int = 256 * 1024 * 1024
    public_url: str | None = None
    """Base URL for output links; default: the host the request was sent to."""

    def __post_init__(self) -> None:
        if self.time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        if not 0 <= self.seed <= 2**32 - 1:
            raise ValueError("seed must be within 0..4294967295")
