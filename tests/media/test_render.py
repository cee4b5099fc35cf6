from __future__ import annotations

import dataclasses
import io
import json
import random
from typing import Any

import pytest
from PIL import Image, ImageStat

from fashn_mock import catalog
from fashn_mock.media import canvas
from fashn_mock.media.compose import compose
from fashn_mock.media.decode import data_uri_bytes as decode_uri
from fashn_mock.media.held import HeldInputs, token
from fashn_mock.media.job import DicePrefix, RenderJob, draw_target, scene_for
from fashn_mock.media.render import render
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


def held(model: str, inputs: dict[str, Any], store: HeldInputs, *, size: tuple[int, int] = SMALL,
         fmt: str = "png", seed: int = 42, index: int = 0) -> RenderJob:
    """The job of a prediction whose data-URI inputs were replaced by stand-ins and held
    in ``store`` (as ``engine.inputs.load_run`` does), with the dice of the full inputs."""
    stand_ins = {}
    for name in catalog.BY_NAME[model].image_inputs:
        value = inputs.get(name)
        if isinstance(value, str) and value.startswith("data:"):
            stand_ins[name] = token(value)
            raw = decode_uri(value)
            assert raw is not None
            store.hold(stand_ins[name], raw, draw_target(model, name, size))
    full = job(model, inputs, seed=seed, index=index, size=size, fmt=fmt)
    return dataclasses.replace(full, inputs_json=json.dumps({**inputs, **stand_ins},
                                                            sort_keys=True),
                               dice=DicePrefix(model, full.inputs_json).dice(seed, index))


def noisy(size: tuple[int, int]) -> Image.Image:
    """An incompressible photo: held as pixels, not as its file."""
    return Image.frombytes("RGB", size, random.Random(size[0]).randbytes(size[0] * size[1] * 3))


@pytest.mark.parametrize("model", IMAGE_MODELS)
@pytest.mark.parametrize("picture", ["file", "pixels"])
def test_held_stand_ins_render_the_same_bytes_as_the_data_uris(model: str, picture: str) -> None:
    spec = catalog.BY_NAME[model]
    photo = images.person((300, 450)) if picture == "file" else noisy((600, 900))
    inputs = {name: images.uri(photo if i == 0 else images.shirt()) for i, name in
              enumerate(spec.image_inputs[:2])}
    inputs.update({"prompt": "x"} if "prompt" in spec.properties else {})
    store = HeldInputs(64 * 1024 * 1024)
    fmt = "png" if spec.transparent or model == "background-remove" else "jpeg"
    for index in (0, 1):
        stand_in = held(model, inputs, store, size=(150, 225), fmt=fmt, index=index)
        assert "data:" not in stand_in.inputs_json
        expected = render(job(model, inputs, size=(150, 225), fmt=fmt, index=index))
        assert render(stand_in, ImageLoader(held=store)) == expected
        assert render(stand_in, ImageLoader(held=store)) == expected  # held pixels unchanged
    kinds = {entry.image is None for entry in store._entries.values()}
    assert (False in kinds) == (picture == "pixels")  # pixels held for the noisy photo


def test_a_released_input_renders_the_labelled_placeholder() -> None:
    inputs = {"model_image": images.uri(noisy((600, 900))),
              "garment_image": images.uri(images.shirt())}
    store = HeldInputs(64 * 1024 * 1024)
    render_job = held("tryon-v1.6", inputs, store, size=(200, 300))
    store.clear()
    scene = scene_for(render_job, ImageLoader(held=store))
    assert scene.missing == ["model_image", "garment_image"]
    first = render(render_job, ImageLoader(held=store))
    assert render(render_job, ImageLoader(held=store)) == first  # still deterministic
    comment = decode(first).info["Comment"]
    assert comment == ("tryon-v1.6 seed 42 output 0; placeholder: model image, garment "
                       "image released from memory (over --input-cache-mb)")
    placeholder = render(job("tryon-v1.6", size=(200, 300)))
    assert images.difference(decode(first), decode(placeholder)) > 3  # other dice, caption
    jpeg = dataclasses.replace(render_job, output_format="jpeg")
    assert b"released from memory (over --input-cache-mb)" in render(jpeg, ImageLoader(held=store))


def test_outputs_without_released_inputs_carry_no_jpeg_comment() -> None:
    assert b"\xff\xfe" not in render(job("model-create", {"prompt": "x"}, fmt="jpeg"))[:64]
