from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image, ImageStat

from fashn_mock import catalog
from fashn_mock.media import canvas
from fashn_mock.media.compose import compose
from fashn_mock.media.render import RenderJob, render, scene_for
from fashn_mock.media.sources import ImageLoader
from tests.media import images

IMAGE_MODELS = [spec.name for spec in catalog.MODELS if spec.output_kind == "image"]
SMALL = (120, 180)


def job(model: str, inputs: dict[str, Any] | None = None, *, seed: int = 42, index: int = 0,
        size: tuple[int, int] = SMALL, fmt: str = "png") -> RenderJob:
    return RenderJob(model=model, inputs_json=json.dumps(inputs or {}, sort_keys=True),
                     seed=seed, index=index, size=size, output_format=fmt,
                     transparent=catalog.BY_NAME[model].transparent)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("model", IMAGE_MODELS)
@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_every_model_renders_its_size_and_format(model: str, fmt: str) -> None:
    spec = catalog.BY_NAME[model]
    fmt = "png" if spec.transparent else fmt
    inputs = {name: images.uri(images.person()) for name in spec.image_inputs[:2]}
    image = decode(render(job(model, inputs, size=(150, 97), fmt=fmt)))
    assert image.size == (150, 97)
    assert image.format == {"png": "PNG", "jpeg": "JPEG"}[fmt]
    assert image.mode == ("RGBA" if spec.transparent else "RGB")


@pytest.mark.parametrize("model", [*IMAGE_MODELS, "image-to-video"])
@pytest.mark.parametrize("mode", ["RGBA", "L", "P"])
def test_inputs_of_any_mode_compose(model: str, mode: str) -> None:
    spec = catalog.BY_NAME[model]
    picture = images.shirt().convert(mode)
    if mode == "RGBA":
        picture.putalpha(picture.convert("L").point(lambda v: 0 if v > 250 else 255))
    inputs = {name: images.uri(picture) for name in spec.image_inputs}
    scene = scene_for(job(model, inputs), ImageLoader())
    assert not scene.missing
    out = compose(scene)
    assert out.size == SMALL


def test_same_job_same_bytes_other_seed_or_index_differs() -> None:
    inputs = {"model_image": images.uri(images.person()), "garment_image": images.uri(
        images.shirt())}
    first = render(job("tryon-v1.6", inputs))
    assert render(job("tryon-v1.6", inputs)) == first
    for other in (job("tryon-v1.6", inputs, seed=43), job("tryon-v1.6", inputs, index=1)):
        assert images.difference(decode(render(other)), decode(first)) > 3


def test_placeholders_differ_visibly_across_seeds() -> None:
    a, b = (decode(render(job("model-create", {"prompt": "x"}, seed=s))) for s in (1, 2))
    assert images.difference(a, b) > 10


def test_tryon_puts_the_garment_on_the_person() -> None:
    inputs = {"model_image": images.uri(images.person((400, 600))),
              "garment_image": images.uri(images.shirt())}
    out = decode(render(job("tryon-v1.6", inputs, size=(400, 600))))
    r, g, b = images.mean_colour(out, (180, 250, 220, 290))  # chest
    assert b > r + 80 and b > g + 60
    r, g, b = images.mean_colour(out, (5, 5, 40, 40))  # backdrop: the person photo's grey
    assert abs(r - b) < 40 and 140 < g < 230


def test_background_remove_is_a_real_cutout() -> None:
    out = decode(render(job("background-remove", {"image": images.uri(images.shirt())},
                            size=(200, 200))))
    assert out.mode == "RGBA"
    alpha = out.getchannel("A")
    assert alpha.getpixel((2, 2)) == 0 and alpha.getpixel((197, 5)) == 0
    assert alpha.getpixel((100, 110)) == 255
    assert images.mean_colour(out, (99, 109, 101, 111))[2] > 150  # the blue shirt is kept


def test_background_remove_placeholder_is_transparent_around_the_figure() -> None:
    alpha = decode(render(job("background-remove", size=(256, 256)))).getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((255, 0)) == 0
    assert 0 < ImageStat.Stat(alpha).mean[0] < 255


def test_background_change_keeps_the_subject_on_a_new_scene() -> None:
    source = images.shirt((240, 160))
    out = decode(render(job("background-change", {"image": images.uri(source), "prompt": "x"},
                            size=(240, 160))))
    assert images.mean_colour(out, (110, 70, 130, 90))[2] > 150  # the shirt
    assert images.mean_colour(out, (0, 0, 10, 10)) != pytest.approx((255, 255, 255), abs=20)


def test_reframe_extends_the_frame_around_the_whole_source() -> None:
    source = images.shirt((200, 300))
    out = decode(render(job("reframe", {"image": images.uri(source), "aspect_ratio": "16:9"},
                            size=(320, 180))))
    assert images.mean_colour(out, (150, 85, 170, 100))[2] > 150  # source, centred
    left = images.mean_colour(out, (0, 60, 20, 120))
    assert left != pytest.approx(images.mean_colour(out, (150, 85, 170, 100)), abs=30)


def test_face_to_model_puts_the_face_on_the_head() -> None:
    face = Image.new("RGB", (64, 64), (250, 20, 20))
    render_job = job("face-to-model", {"face_image": images.uri(face)}, size=(300, 450))
    head = canvas.Figure.place(render_job.size, scene_for(render_job, ImageLoader()).dice).head
    cx, cy = (head[0] + head[2]) / 2, (head[1] + head[3]) / 2
    out = decode(render(render_job))
    assert images.mean_colour(out, (int(cx) - 5, int(cy) - 5, int(cx) + 5, int(cy) + 5)) == \
        pytest.approx((250, 20, 20), abs=8)


def test_every_output_carries_the_mark() -> None:
    out = decode(render(job("tryon-v1.6", size=(640, 960))))
    corner = out.crop((0, 960 - 40, 300, 960))
    colours = [colour for _, colour in corner.getcolors(300 * 40) or []]
    assert any(isinstance(c, tuple) and min(c) > 235 for c in colours)
    assert any(isinstance(c, tuple) and max(c) < 20 for c in colours)
    assert "fashn-mock" in decode(render(job("edit", size=(64, 64)))).info["Software"]


def test_unloaded_inputs_are_reported_for_the_caption() -> None:
    inputs = {"model_image": "https://example.com/a.jpg", "garment_image": "saved:x",
              "category": "tops"}
    scene = scene_for(job("tryon-v1.6", inputs), ImageLoader())
    assert scene.missing == ["model_image", "garment_image"]
    assert scene.images == {}


def test_large_outputs_render() -> None:
    image = decode(render(job("model-create", {"prompt": "x"}, size=(4096, 4096),
                              fmt="jpeg")))
    assert image.size == (4096, 4096)
