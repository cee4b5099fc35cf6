"""Recorded output files, stored by content hash beside the cassettes.

``media/<sha256>.<ext>`` is relative to the cassette's directory, so cassettes in
one directory share identical outputs and a cassette can be moved with its media.

Cassettes are untrusted: only a *regular file* directly inside a real ``media``
directory is ever served. A reference is a fixed pattern (no ``..``, no absolute
paths); the directory and the file are opened without following symbolic links
(``O_NOFOLLOW``, the file relative to the opened directory), FIFOs and devices are
refused without blocking (``O_NONBLOCK``), and files over ``MAX_MEDIA_BYTES`` too.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from fashn_mock.cassettes.atomic import write_atomic

MEDIA_DIR = "media"
REF = re.compile(r"media/[0-9a-f]{64}\.[a-z0-9]{1,8}")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp",
              "image/gif": "gif", "video/mp4": "mp4"}
TYPES = {ext: kind for kind, ext in EXTENSIONS.items()} | {"jpg": "image/jpeg"}
MAX_MEDIA_BYTES = 512 * 1024 * 1024
"""No recorded output is this large; a bigger file is not a recording."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class UnsafeMedia(ValueError):
    """A media reference that does not name a regular file inside ``media/``."""


def extension(content_type: str | None, name: str = "") -> str:
    """A file extension for ``content_type``, else the one in ``name``, else ``bin``."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in EXTENSIONS:
        return EXTENSIONS[kind]
    suffix = Path(name).suffix.lstrip(".").lower()
    return suffix if re.fullmatch(r"[a-z0-9]{1,8}", suffix) else "bin"


def content_type(ref: str) -> str:
    ext = Path(ref).suffix.lstrip(".")
    return TYPES.get(ext) or mimetypes.guess_type(ref)[0] or "application/octet-stream"


class MediaDir:
    """The content-addressed files of the cassettes in one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes, ext: str) -> str:
        """Store ``data`` (once per content) and return its reference."""
        ref = f"{MEDIA_DIR}/{hashlib.sha256(data).hexdigest()}.{ext}"
        if self.size(ref) != len(data):  # missing, unsafe (a link is replaced) or torn
            write_atomic(self.root / ref, data)
        return ref

    def _open(self, ref: str) -> BinaryIO:
        """The regular file behind ``ref``, opened safely (see the module docstring)."""
        if not REF.fullmatch(ref):
            raise UnsafeMedia(f"not a cassette media reference: {ref!r}")
        name = ref.removeprefix(f"{MEDIA_DIR}/")
        directory = os.open(self.root / MEDIA_DIR, _DIR_FLAGS)
        try:
            handle = os.open(name, _FILE_FLAGS, dir_fd=directory)
        except FileNotFoundError:
            raise
        except OSError as exc:  # ELOOP: a symbolic link; others: unreadable
            raise UnsafeMedia(f"{ref}: not a regular file ({exc.strerror})") from None
        finally:
            os.close(directory)
        stream = os.fdopen(handle, "rb")
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MEDIA_BYTES:
            stream.close()
            raise UnsafeMedia(f"{ref}: not a regular file of at most {MAX_MEDIA_BYTES} bytes")
        return stream

    def read(self, ref: str) -> bytes:
        """The bytes behind a reference. ``ValueError`` (``UnsafeMedia``) for anything
        but a regular file in the media directory, ``FileNotFoundError`` when absent."""
        with self._open(ref) as stream:
            return stream.read(MAX_MEDIA_BYTES)

    def size(self, ref: str) -> int | None:
        """The size of a servable file, or None."""
        try:
            with self._open(ref) as stream:
                return os.fstat(stream.fileno()).st_size
        except (OSError, ValueError):
            return None

    def get(self, ref: str) -> bytes | None:
        """The bytes behind a reference, or None when missing or not servable."""
        try:
            return self.read(ref)
        except (OSError, ValueError):
            return None

    def problem(self, ref: str) -> str | None:
        """Why ``ref`` can never be served (for load-time validation); None when it is
        fine or simply missing (a missing file is answered 404, not a broken cassette)."""
        if not REF.fullmatch(ref):
            return f"not a media reference (media/<sha256>.<ext>): {ref!r}"
        target = self.root / ref
        for path in (target.parent, target):
            try:
                info = path.lstat()
            except FileNotFoundError:
                return None
            except OSError as exc:
                return f"{ref}: unreadable ({exc.strerror})"
            if stat.S_ISLNK(info.st_mode):
                return f"{path.relative_to(self.root)} is a symbolic link; media must be " \
                       "regular files inside the cassette's media directory"
        if not stat.S_ISREG(target.lstat().st_mode):
            return f"{ref} is not a regular file"
        if target.resolve().parent != (self.root.resolve() / MEDIA_DIR):
            return f"{ref} resolves outside the cassette's media directory"
        return None

    def exists(self, ref: str) -> bool:
        return self.size(ref) is not None
