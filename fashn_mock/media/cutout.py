"""Find "the subject" of a photo without a model: a cheap foreground mask.

Product and model photos are mostly shot on plain or graded backdrops, so the
backdrop is read off the left and right borders (interpolated between them) and
everything clearly different from it is the subject. When the border is busy
(no plain backdrop) or the guess covers almost nothing or almost everything, a
soft central ellipse stands in. Existing transparency (an RGBA cut-out) is used
as is. Work happens on a thumbnail, so the cost does not grow with the photo.
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from fashn_mock.catalog.rules import Size

WORK_SIDE = 256
BORDER = 3
DIFFERENCE = 32
"""How far (0-255, luma of the colour difference) a pixel must be from the backdrop;
the mask ramps from 0 to 255 over a few levels around it (soft, anti-aliased edges)."""
BUSY_BORDER = 12.0
"""Mean deviation of the side borders from their smoothed selves above which the
backdrop is not plain (a room, a street) and the ellipse stands in."""
COVERAGE = (0.03, 0.97)


def subject_mask(image: Image.Image, size: Size) -> Image.Image:
    """An ``L`` mask of ``size``: 255 on the subject, 0 on the backdrop, feathered."""
    if image.mode == "RGBA":
        alpha = image.getchannel("A")
        lowest, _ = alpha.getextrema()
        if isinstance(lowest, int) and lowest < 255:
            return alpha.resize(size, Image.Resampling.BILINEAR)
    small = image.reduce(max(1, max(image.size) // WORK_SIDE)).convert("RGB")
    mask = _backdrop_mask(small)
    if mask is None:
        mask = _ellipse(small.size)
    return mask.resize(size, Image.Resampling.BILINEAR)


def _backdrop_mask(small: Image.Image) -> Image.Image | None:
    """Subject = what differs from a backdrop interpolated between the left and
    right borders (plain or vertically graded sweeps); None if the border is busy."""
    width, height = small.size
    if width <= 2 * BORDER or height <= 2 * BORDER:
        return None
    sides = Image.new("RGB", (2, height))
    for x, box in enumerate(((0, 0, BORDER, height), (width - BORDER, 0, width, height))):
        sides.paste(small.crop(box).resize((1, height), Image.Resampling.BOX), (x, 0))
    smooth = sides.filter(ImageFilter.GaussianBlur(max(2, height // 16)))
    if sum(ImageStat.Stat(ImageChops.difference(sides, smooth)).mean) / 3 > BUSY_BORDER:
        return None
    backdrop = sides.resize(small.size, Image.Resampling.BILINEAR)
    distance = ImageChops.difference(small, backdrop).convert("L")
    distance = distance.filter(ImageFilter.GaussianBlur(1))
    mask = distance.point(lambda v: max(0, min(255, (v - DIFFERENCE) * 32 + 128)))
    coverage = ImageStat.Stat(mask).mean[0] / 255
    if not COVERAGE[0] <= coverage <= COVERAGE[1]:
        return None
    return mask


def _ellipse(size: Size) -> Image.Image:
    width, height = size
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((width * 0.15, height * 0.06, width * 0.85, height * 0.97),
                                 fill=255)
    return mask.filter(ImageFilter.GaussianBlur(max(1, min(width, height) // 40)))
