"""Untrusted image bytes are opened within a pixel cap, a decode budget and a slot."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from fashn_mock.media import decode
from tests.media import images


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, pixels: bytes) -> bytes:
    """An RGBA PNG of ``width`` x ``height`` whose IDAT holds ``pixels`` (deflated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height``, with almost no pixel data."""
    return png(width, height, zlib.compress(b"\0" * 64))


def blank_rgba_png(width: int, height: int) -> bytes:
    """A real, whole, transparent RGBA PNG, deflated row by row (never held decoded)."""
    deflate, row = zlib.compressobj(1), b"\0" * (1 + 4 * width)
    parts = [deflate.compress(row) for _ in range(height)]
    parts.append(deflate.flush())
    return png(width, height, b"".join(parts))


def test_the_size_comes_from_the_header() -> None:
    assert decode.measure(images.encode(images.shirt((30, 40)))) == (30, 40)
    assert decode.measure(images.encode(images.shirt((30, 40)), "jpeg")) == (30, 40)
    assert decode.measure(images.encode(images.shirt((30, 40)), "webp")) == (30, 40)


@pytest.mark.parametrize("size", [(6001, 6000), (60_000, 601), (65_535, 65_535)])
def test_more_than_the_cap_is_refused_before_decoding(size: tuple[int, int]) -> None:
    with pytest.raises(decode.TooLarge) as refused:
        decode.measure(png_claiming(*size))
    if size[0] * size[1] < 2 * (Image.MAX_IMAGE_PIXELS or 0):  # else Pillow refuses it first
        assert f"MP ({size[0]}x{size[1]})" in str(refused.value)
    assert "at most 36 MP (6000x6000" in str(refused.value)


@pytest.fixture(scope="module")
def largest_png() -> bytes:
    """The largest PNG accepted: 6000x6000 RGBA, 144 MB once decoded."""
    return blank_rgba_png(decode.MAX_SIDE, decode.MAX_SIDE)


def test_the_cap_itself_is_accepted(largest_png: bytes) -> None:
    assert decode.measure(largest_png) == (6000, 6000)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "gif"])
def test_truncated_images_are_undecodable(fmt: str) -> None:
    raw = images.encode(images.person((120, 180)), fmt)
    with pytest.raises(decode.Undecodable):
        decode.measure(raw[: len(raw) * 2 // 3])


def test_formats_outside_the_list_are_not_opened() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PPM")
    with pytest.raises(decode.Undecodable):
        decode.measure(buffer.getvalue())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_measuring_decodes_little(tmp_path: Path, largest_png: bytes) -> None:
    """A 36 MP RGBA PNG takes 144 MB decoded, a 36 MP grey JPEG 36 MB: measuring
    either stays far below (in a fresh process, whose peak resident memory
    ``VmHWM`` starts low; ``ru_maxrss`` would inherit this process's peak)."""
    (tmp_path / "big.png").write_bytes(largest_png)
    Image.new("L", (6000, 6000), 128).save(tmp_path / "big.jpeg", quality=50)
    script = (
        "import re, sys; from pathlib import Path\n"
        "from fashn_mock.media import decode\n"
        "def peak(): return int(re.search(r'VmHWM:\\s+(\\d+)', "
        "Path('/proc/self/status').read_text()).group(1)) // 1024\n"
        "raws = [Path(name).read_bytes() for name in sys.argv[1:]]\n"
        "before = peak()\n"
        "print([decode.measure(raw) for raw in raws] == [(6000, 6000)] * 2, peak() - before)\n")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "big.png"),
                          str(tmp_path / "big.jpeg")], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "True"
    assert int(out[1]) < 12, f"measuring grew the peak RSS by {out[1]} MB"


def test_decodes_take_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    active, peak, lock = 0, 0, threading.Lock()
    load = ImageFile.ImageFile.load

    def counting_load(self: ImageFile.ImageFile) -> object:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)  # widen the window in which decodes could overlap
        with lock:
            active -= 1
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    raw = images.encode(images.person((64, 96)), "jpeg")
    threads = [threading.Thread(target=decode.measure, args=(raw,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == decode.MAX_PARALLEL_DECODES
