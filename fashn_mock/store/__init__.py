"""Where an emulator's state lives: this process's memory (the default), or a
Redis/Valkey server that several processes share.

``open_store(url, prefix)`` picks the store; the engine asks it for its parts (the
clock, the ledger of predictions and books, the fault rules) and calls nothing else.
"""

from __future__ import annotations

from fashn_mock.store.base import Admission, Faults, KeyState, Ledger, Store
from fashn_mock.store.memory import MemoryStore

__all__ = ["Admission", "Faults", "KeyState", "Ledger", "MemoryStore", "Store",
           "open_store"]


def open_store(url: str | None = None, prefix: str = "fashn-mock") -> Store:
    """The store at ``url`` (None: in memory)."""
    if url is None or url == "memory":
        return MemoryStore()
    from fashn_mock.store.redis import RedisStore  # redis-py is imported only when used

    return RedisStore(url, prefix)
