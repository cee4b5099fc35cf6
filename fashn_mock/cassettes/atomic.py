"""Crash-safe file writes: a temporary file beside the target, then ``os.replace``.

A reader sees either the old file or the new one, never a torn write: a process
killed mid-write leaves at most a hidden ``.<name>.*.tmp`` file, which loaders ignore.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (creating parent directories)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                    suffix=TEMP_SUFFIX)
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)  # as open() would; mkstemp makes 0600
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
