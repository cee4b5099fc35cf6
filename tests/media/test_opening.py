from __future__ import annotations

import io

import pytest
from PIL import Image

from fashn_mock.media.opening import open_image, prepared_bytes
from tests.media import images


def test_camera_rotation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    Image.new("RGB", (40, 80), (10, 200, 10)).save(buffer, "JPEG", exif=exif)
    decoded = open_image(buffer.getvalue())
    assert decoded is not None and decoded.size == (80, 40)


def test_large_jpegs_decode_at_a_reduced_scale() -> None:
    raw = images.encode(images.person((1600, 2400)), "jpeg")
    decoded = open_image(raw, target=(300, 450))
    assert decoded is not None and decoded.size == (400, 600)
    full = open_image(raw)
    assert full is not None and full.size == (1600, 2400)


def test_alpha_is_kept_and_palettes_are_expanded() -> None:
    cut = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    rgba = open_image(images.encode(cut))
    palette = open_image(images.encode(images.shirt().convert("P")))
    assert rgba is not None and rgba.mode == "RGBA"
    assert palette is not None and palette.mode == "RGB"


def test_large_inputs_shrink_right_after_decoding() -> None:
    decoded = open_image(images.encode(images.person((1600, 2400))), target=(300, 450))
    assert decoded is not None and decoded.size == (800, 1200)  # still 2x what is drawn
    palette = open_image(images.encode(images.shirt((1200, 1200)).convert("P")), (100, 100))
    assert palette is not None and (palette.mode, palette.size) == ("RGB", (200, 200))


def test_inputs_above_the_pixel_cap_are_not_decoded() -> None:
    from tests.media.test_decode import png_claiming

    assert open_image(png_claiming(8000, 8000)) is None
    assert open_image(png_claiming(8000, 8000), target=(100, 100)) is None


@pytest.mark.parametrize(("size", "fmt", "mode", "target"), [
    ((1200, 800), "JPEG", "RGB", (100, 100)), ((1200, 800), "JPEG", "RGB", (700, 500)),
    ((1201, 803), "PNG", "RGBA", (90, 60)), ((300, 200), "PNG", "P", (40, 40)),
    ((640, 480), "WEBP", "RGB", (80, 80)), ((500, 500), "PNG", "L", (600, 600)),
])
def test_the_prepared_size_is_known_from_the_header(size: tuple[int, int], fmt: str,
                                                    mode: str, target: tuple[int, int]) -> None:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    raw = buffer.getvalue()
    image = open_image(raw, target)
    assert image is not None
    assert prepared_bytes(raw, target) == image.width * image.height * len(image.getbands())


def test_a_rotated_photo_is_measured_as_displayed() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (1600, 400)).save(buffer, "JPEG", exif=exif)
    image = open_image(buffer.getvalue(), (50, 190))
    assert image is not None and image.size[1] > image.size[0]
    assert prepared_bytes(buffer.getvalue(), (50, 190)) == image.width * image.height * 3
    assert prepared_bytes(b"not an image", (10, 10)) is None
