from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fashn_mock.cassettes.media import MediaDir, content_type, extension


def test_content_addressed(tmp_path: Path) -> None:
    media = MediaDir(tmp_path)
    ref = media.put(b"png bytes", "png")
    assert ref == f"media/{hashlib.sha256(b'png bytes').hexdigest()}.png"
    assert media.put(b"png bytes", "png") == ref and media.read(ref) == b"png bytes"
    assert media.exists(ref) and content_type(ref) == "image/png"


def test_references_cannot_escape_the_media_directory(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("x")
    media = MediaDir(tmp_path / "cassettes")
    for ref in ("../secret.txt", "media/../../secret.txt", "/etc/passwd"):
        assert not media.exists(ref)
        with pytest.raises(ValueError, match="not a cassette media reference"):
            media.read(ref)


def test_extensions() -> None:
    assert extension("image/jpeg; charset=x") == "jpeg"
    assert extension(None, "output_0.mp4") == "mp4"
    assert extension("application/weird", "noext") == "bin"
