from __future__ import annotations

from PIL import Image, ImageDraw, ImageStat

from fashn_mock.media.cutout import subject_mask
from tests.media import images


def test_a_subject_on_a_plain_backdrop_is_found() -> None:
    mask = subject_mask(images.shirt((200, 200)), (100, 100))
    assert mask.mode == "L" and mask.size == (100, 100)
    assert mask.getpixel((50, 55)) == 255 and mask.getpixel((2, 2)) == 0


def test_a_graded_backdrop_is_still_a_backdrop() -> None:
    photo = Image.linear_gradient("L").resize((200, 300)).convert("RGB")
    ImageDraw.Draw(photo).ellipse((60, 100, 140, 200), fill=(200, 20, 20))
    mask = subject_mask(photo, (200, 300))
    assert mask.getpixel((100, 150)) == 255
    assert mask.getpixel((100, 10)) == 0 and mask.getpixel((100, 290)) == 0


def test_existing_transparency_is_kept() -> None:
    cut = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(cut).rectangle((10, 10, 29, 29), fill=(9, 9, 9, 255))
    mask = subject_mask(cut, (40, 40))
    assert mask.getpixel((20, 20)) == 255 and mask.getpixel((2, 2)) == 0


def test_a_busy_photo_falls_back_to_a_soft_centre() -> None:
    busy = Image.effect_noise((120, 160), 90).convert("RGB")
    mask = subject_mask(busy, (120, 160))
    assert mask.getpixel((60, 80)) == 255 and mask.getpixel((0, 0)) == 0
    assert 0.3 < ImageStat.Stat(mask).mean[0] / 255 < 0.8
