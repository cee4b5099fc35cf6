from __future__ import annotations

import base64
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Emulator, catalog
from fashn_mock.engine.inputs import (
    ALWAYS_KEPT,
    HELD_ABOVE,
    KEPT_UP_TO,
    data_uri_size,
    load_images,
    load_run,
    stored_inputs,
)
from fashn_mock.media import decode
from fashn_mock.media.held import HeldInputs, token
from fashn_mock.validation import RunRequest, parse_run_body
from tests.media.test_decode import png_claiming
from tests.support import AUTH, URL, data_uri

TRYON = catalog.BY_NAME["tryon-v1.6"]


def test_data_uris_are_decoded_and_measured() -> None:
    loaded = load_images(TRYON, {"model_image": data_uri((30, 40), "jpeg"), "garment_image": URL})
    assert loaded.error is None and loaded.sizes == {"model_image": (30, 40)}


@pytest.mark.parametrize(("value", "problem"), [
    ("iVBORw0KGgo=", "Invalid URL format"),  # base64 without the data: prefix
    ("data:image/png;base64,not-base64!!", "Invalid base64 image data"),
    ("data:image/png;base64," + base64.b64encode(b"plain text").decode(),
     "Invalid base64 image data"),
    ("ftp://example.com/a.png", "Invalid URL format"),
])
def test_unloadable_images_give_the_real_message(value: str, problem: str) -> None:
    loaded = load_images(TRYON, {"model_image": value, "garment_image": URL})
    assert loaded.error == f"Error loading model image: {problem}"


def test_saved_models_only_for_try_on_model_images() -> None:
    assert load_images(TRYON, {"model_image": "saved:anna", "garment_image": URL}).error is None
    assert load_images(TRYON, {"model_image": URL, "garment_image": "saved:anna"}).error
    edit = catalog.BY_NAME["edit"]
    assert load_images(edit, {"image": "saved:anna", "prompt": "x"}).error


def test_truncated_image_does_not_decode() -> None:
    uri = data_uri((50, 50))
    assert data_uri_size(uri) == (50, 50)
    with pytest.raises(decode.ImageRefused, match="Invalid base64 image data"):
        data_uri_size(uri[: len(uri) // 2])


def test_images_above_the_pixel_cap_fail_to_load() -> None:
    uri = "data:image/png;base64," + base64.b64encode(png_claiming(13_000, 13_000)).decode()
    loaded = load_images(TRYON, {"model_image": URL, "garment_image": uri})
    # Pillow may refuse the header itself (where warnings are errors): no dimensions then
    assert loaded.error is not None
    assert loaded.error.startswith("Error loading garment image: The image has 169.0 MP")
    assert loaded.error.endswith(
        "; fashn-mock accepts at most 36 MP (6000x6000, the docs' largest advised input)")


def test_a_too_large_image_fails_the_prediction_end_to_end() -> None:
    from fashn_mock import Emulator

    uri = "data:image/png;base64," + base64.b64encode(png_claiming(8000, 8000)).decode()
    with Emulator(time_scale=0).httpx_client(headers=AUTH) as client:
        body = {"model_name": "background-remove", "inputs": {"image": uri}}
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        status = client.get(f"/v1/status/{prediction_id}").json()
    assert status["status"] == "failed"
    assert status["error"]["name"] == "ImageLoadError"
    assert status["error"]["message"] == (
        "Error loading image: The image has 64.0 MP (8000x8000); fashn-mock accepts at "
        "most 36 MP (6000x6000, the docs' largest advised input)")


def test_exif_rotation_swaps_the_measured_size() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    Image.new("RGB", (40, 30)).save(buffer, "JPEG", exif=exif)
    uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
    loaded = load_images(TRYON, {"model_image": uri, "garment_image": URL})
    assert loaded.sizes["model_image"] == (30, 40)


def big_uri(side: int = 200, seed: int = 1) -> str:
    """A noisy PNG data URI of a few hundred KB (incompressible)."""
    import io
    import random

    from PIL import Image

    picture = Image.frombytes("RGB", (side, side),
                              random.Random(seed).randbytes(side * side * 3))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def run_of(model: str, **inputs: object) -> RunRequest:
    return parse_run_body({"model_name": model, "inputs": inputs})


def test_long_data_uris_are_kept_as_stand_ins_and_held() -> None:
    uri, store = big_uri(), HeldInputs(64 * 1024 * 1024)
    run = run_of("background-remove", image=uri)
    loaded = load_run(run, held=store)
    assert loaded.error is None and loaded.sizes == {"image": (200, 200)}
    assert loaded.stored_inputs is not None and loaded.dice is not None
    stored = json.loads(loaded.stored_inputs)
    assert stored == {**run.inputs, "image": token(uri)}
    assert len(store) == 1 and store.get(token(uri), (200, 200)) is not None


def test_short_inputs_are_kept_as_they_are() -> None:
    tiny = data_uri((4, 4))
    assert len(tiny) <= HELD_ABOVE
    loaded = load_run(run_of("edit", image=tiny, prompt="p" * KEPT_UP_TO), held=HeldInputs(10**6))
    assert loaded.stored_inputs is None and loaded.dice is None


def test_any_string_too_long_to_keep_becomes_a_stand_in() -> None:
    prompt, url = "p" * (KEPT_UP_TO + 1), "https://example.com/" + "a" * KEPT_UP_TO
    run = run_of("edit", image=url, prompt=prompt)
    loaded = load_run(run, held=HeldInputs(10**6))
    assert loaded.stored_inputs is not None
    assert json.loads(loaded.stored_inputs) == {**run.inputs, "image": token(url),
                                                "prompt": token(prompt)}
    assert stored_inputs(run) == loaded.stored_inputs  # playback keeps the same


@given(st.integers(ALWAYS_KEPT - 80, ALWAYS_KEPT + 10), st.booleans())
def test_stand_ins_do_not_depend_on_the_canonical_json_being_made(length: int,
                                                                  made: bool) -> None:
    """``load_run`` skips looking for long strings when a short canonical JSON was
    made already; the result is the same either way."""
    image = ("data:image/png;base64," + "A" * length)[:length]
    run = run_of("background-remove", image=image)
    if made:
        run.canonical_inputs()
    fresh = run_of("background-remove", image=image)
    assert load_run(run).stored_inputs == load_run(fresh).stored_inputs
    assert (load_run(run).stored_inputs is None) == (length <= ALWAYS_KEPT)


def test_an_undecodable_data_uri_is_a_stand_in_and_not_held() -> None:
    garbage = "data:image/png;base64," + base64.b64encode(b"\x89PNG" * 5000).decode()
    store = HeldInputs(10**6)
    loaded = load_run(run_of("background-remove", image=garbage), held=store)
    assert loaded.error == "Error loading image: Invalid base64 image data"
    assert loaded.stored_inputs is not None and "data:" not in loaded.stored_inputs
    assert len(store) == 0


def test_a_prediction_keeps_a_stand_in_and_renders_the_full_inputs_picture() -> None:
    from fashn_mock.media.job import RenderJob
    from fashn_mock.media.render import render

    uri = big_uri(300)
    emulator = Emulator(time_scale=0, seed=3)
    engine = emulator.engine
    run = run_of("background-remove", image=uri)
    prediction = engine.submit("k", run)
    assert len(prediction.inputs_json) < 200 and "data:" not in prediction.inputs_json
    details = engine.describe(prediction.id)
    assert details is not None and details.inputs["image"] == token(uri)
    served = engine.output(prediction.id, "output_0.png")
    assert served is not None
    full = RenderJob("background-remove", run.canonical_inputs(), prediction.seed, 0,
                     prediction.size, "png", transparent=True)
    assert served[0] == render(full)


def test_memory_per_prediction_is_bounded_whatever_the_uploads() -> None:
    emulator = Emulator(time_scale=0, input_cache_bytes=1024 * 1024)
    engine = emulator.engine
    for seed in range(12):
        engine.submit("k", run_of("background-remove", image=big_uri(200, seed)))
    held = engine.media.inputs
    assert held.used_bytes <= 1024 * 1024 and held.released > 0
    assert all(len(p.inputs_json) < 200 for p in engine.predictions.values())


def test_an_output_whose_input_was_released_says_so() -> None:
    from PIL import Image

    emulator = Emulator(time_scale=0, input_cache_bytes=0)
    prediction = emulator.engine.submit("k", run_of("background-remove", image=big_uri()))
    served = emulator.engine.output(prediction.id, "output_0.png")
    assert served is not None
    comment = Image.open(io.BytesIO(served[0])).info["Comment"]
    assert comment.endswith("placeholder: image released from memory (over --input-cache-mb)")


def test_fault_markers_are_found_beside_held_inputs() -> None:
    emulator = Emulator(time_scale=0)
    run = run_of("edit", image=big_uri(), prompt="fashn-mock-error=PipelineError")
    prediction = emulator.engine.submit("k", run)
    assert prediction.error is not None and prediction.error["name"] == "PipelineError"
