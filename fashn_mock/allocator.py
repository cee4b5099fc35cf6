"""Keep a serving process's resident memory close to what it actually holds (glibc).

By default glibc gives threads their own malloc arenas (up to 8 per core) and, after
a large block is freed, raises its mmap threshold (up to 32 MiB), so later large
blocks come from the arenas too. A server that parses request bodies, decodes input
images and renders outputs on worker threads then keeps the freed pages of every
arena resident: the soak benchmark (``benchmarks/bench_soak.py``, 60 s) peaked at
716 MB and ended at 640 MB by default, at 318 MB and 227 MB with this tuning.

``tune()`` sets two glibc options with ``mallopt`` before the server starts its
threads: at most ``ARENAS`` arenas, and a fixed ``MMAP_THRESHOLD`` (blocks above it
are mapped on their own and given back to the system when freed). Elsewhere (musl,
macOS, Windows), or when the ``MALLOC_ARENA_MAX`` / ``MALLOC_MMAP_THRESHOLD_``
environment variables already choose, it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

ARENAS = 2
MMAP_THRESHOLD = 1024 * 1024
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
"""``mallopt`` parameter numbers (glibc's malloc.h)."""


def tune() -> dict[str, int]:
    """Apply the options glibc accepts; returns what was set (empty elsewhere)."""
    if not sys.platform.startswith("linux"):
        return {}
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return {}
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    wanted = {"MALLOC_ARENA_MAX": (M_ARENA_MAX, ARENAS),
              "MALLOC_MMAP_THRESHOLD_": (M_MMAP_THRESHOLD, MMAP_THRESHOLD)}
    done: dict[str, int] = {}
    for variable, (parameter, value) in wanted.items():
        if variable not in os.environ and mallopt(parameter, value) == 1:
            done[variable] = value
    return done
