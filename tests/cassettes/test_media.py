from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from fashn_mock.cassettes import media as media_module
from fashn_mock.cassettes.media import MediaDir, UnsafeMedia, content_type, extension


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


def stored(tmp_path: Path) -> tuple[MediaDir, str]:
    media = MediaDir(tmp_path / "cassettes")
    return media, media.put(b"png bytes", "png")


def test_a_symbolic_link_is_never_served(tmp_path: Path) -> None:
    """A cassette's media file that links to /etc/passwd passed the path check."""
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0")
    media, ref = stored(tmp_path)
    target = media.root / ref
    target.unlink()
    target.symlink_to(secret)
    assert media.get(ref) is None and not media.exists(ref) and media.size(ref) is None
    with pytest.raises(UnsafeMedia, match="not a regular file"):
        media.read(ref)
    assert "symbolic link" in (media.problem(ref) or "")
    assert media.put(b"png bytes", "png") == ref  # recording again replaces the link
    assert not target.is_symlink() and media.read(ref) == b"png bytes"
    assert secret.read_text() == "root:x:0:0"


def test_a_linked_media_directory_is_never_served(tmp_path: Path) -> None:
    elsewhere = MediaDir(tmp_path / "elsewhere")
    ref = elsewhere.put(b"private", "png")
    media = MediaDir(tmp_path / "cassettes")
    media.root.mkdir()
    (media.root / "media").symlink_to(tmp_path / "elsewhere" / "media")
    assert media.get(ref) is None
    assert "symbolic link" in (media.problem(ref) or "")


def test_fifos_and_directories_are_refused_without_blocking(tmp_path: Path) -> None:
    media, ref = stored(tmp_path)
    target = media.root / ref
    target.unlink()
    os.mkfifo(target)  # opening a FIFO for reading would wait for a writer forever
    assert media.get(ref) is None and "not a regular file" in (media.problem(ref) or "")
    target.unlink()
    target.mkdir()
    assert media.get(ref) is None and media.problem(ref) is not None


def test_missing_files_are_not_a_problem_but_not_served(tmp_path: Path) -> None:
    media, ref = stored(tmp_path)
    (media.root / ref).unlink()
    assert media.problem(ref) is None and media.get(ref) is None
    with pytest.raises(FileNotFoundError):
        media.read(ref)


def test_oversized_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    media, ref = stored(tmp_path)
    monkeypatch.setattr(media_module, "MAX_MEDIA_BYTES", 4)
    assert media.get(ref) is None
