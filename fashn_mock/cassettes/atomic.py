"""Crash-safe file writes: a temporary file beside the target, then ``os.replace``.

A reader sees either the old file or the new one, never a torn write: a process
killed mid-write leaves at most a hidden ``.<name>.*.tmp`` file, which loaders ignore.

The temporary file is created with ``os.open(..., 0o666)``, so the kernel applies
the process umask exactly as ``open()`` would: the result has the usual
permissions without this module ever reading or changing the umask (changing it,
even briefly, is process-wide state that other threads would see).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"
MODE = 0o666
"""Requested mode of written files; the umask is applied by the kernel."""
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``path`` (never an existing file or link)."""
    while True:
        temp = path.parent / f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
        try:
            return os.open(temp, _FLAGS, MODE), temp
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (creating parent directories)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = _create_temp(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
