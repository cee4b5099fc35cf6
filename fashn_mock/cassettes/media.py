"""Recorded output files, stored by content hash beside the cassettes.

``media/<sha256>.<ext>`` is relative to the cassette's directory, so cassettes in
one directory share identical outputs and a cassette can be moved with its media.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from fashn_mock.cassettes.atomic import write_atomic

MEDIA_DIR = "media"
REF = re.compile(r"media/[0-9a-f]{64}\.[a-z0-9]{1,8}")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp",
              "image/gif": "gif", "video/mp4": "mp4"}
TYPES = {ext: kind for kind, ext in EXTENSIONS.items()} | {"jpg": "image/jpeg"}


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
        target = self.root / ref
        if not target.is_file() or target.stat().st_size != len(data):
            write_atomic(target, data)
        return ref

    def read(self, ref: str) -> bytes:
        """The bytes behind a reference; ``ValueError`` for anything but a media ref,
        so a hand-edited cassette cannot read files outside its media directory."""
        if not REF.fullmatch(ref):
            raise ValueError(f"not a cassette media reference: {ref!r}")
        return (self.root / ref).read_bytes()

    def exists(self, ref: str) -> bool:
        return bool(REF.fullmatch(ref)) and (self.root / ref).is_file()
