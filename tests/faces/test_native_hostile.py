"""Hostile and careless input on the native face: a clear 4xx, never a 5xx, and the
books stay right (issue: hardening)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from fashn_mock import Emulator, catalog
from fashn_mock.server import BackgroundServer
from tests.support import AUTH, MINIMAL_INPUTS, URL, tryon

FIELDS = sorted({name for spec in catalog.MODELS for name in spec.properties}
                | {"num_images", "num_samples", "seed", "resolution", "return_base64",
                   "duration", "unknown_field"})
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**6, max_value=10**6)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)


@settings(max_examples=300)
@given(model=st.sampled_from([s.name for s in catalog.MODELS]),
       extra=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5))
def test_any_inputs_get_an_answer_and_books_stay_right(model: str,
                                                       extra: dict[str, Any]) -> None:
    emulator = Emulator(manual_clock=True, time_scale=0, seed=1)
    inputs = {**MINIMAL_INPUTS[model], **extra}
    with emulator.httpx_client(headers=AUTH) as client:
        before = client.get("/v1/credits").json()["credits"]["total"]
        response = client.post("/v1/run", content=json.dumps(
            {"model_name": model, "inputs": inputs}))
        assert response.status_code in (200, 400), response.text
        if response.status_code == 200:
            status = client.get(f"/v1/status/{response.json()['id']}")
            assert status.status_code == 200
            body = status.json()
            if body["status"] == "completed":
                maximum = 1 if catalog.BY_NAME[model].output_kind == "video" else 4
                assert 1 <= len(body["output"]) <= maximum
                assert int(status.headers["x-fashn-credits-used"]) >= 1
        after = client.get("/v1/credits").json()["credits"]["total"]
        assert after <= before


def test_undeclared_fields_do_not_reach_the_books(emulator: Emulator,
                                                  client: httpx.Client) -> None:
    def finished(body: dict[str, Any]) -> httpx.Response:
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        emulator.advance(600)
        return client.get(f"/v1/status/{prediction_id}")

    before = client.get("/v1/credits").json()["credits"]["total"]
    removed = finished({"model_name": "background-remove",
                        "inputs": {"image": URL, "num_images": -100}})
    assert len(removed.json()["output"]) == 1
    assert removed.headers["x-fashn-credits-used"] == "1"
    assert len(finished(tryon(num_images=3)).json()["output"]) == 1
    video = finished({"model_name": "image-to-video",
                      "inputs": {"image": URL, "resolution": "480p", "return_base64": True}})
    assert video.json()["output"][0].endswith(".mp4")
    assert video.headers["x-fashn-credits-used"] == "1"  # 480p, 5 s
    assert client.get("/v1/credits").json()["credits"]["total"] == before - 3
    variation = {"model_name": "model-variation", "inputs": {"model_image": URL,
                                                             "resolution": "4k"}}
    prediction_id = client.post("/v1/run", json=variation).json()["id"]
    assert emulator.prediction(prediction_id).size != (5440, 3072)


def test_ill_typed_undeclared_fields_keep_the_connection_usable() -> None:
    emulator = Emulator(time_scale=0)
    with BackgroundServer(emulator.app) as server, httpx.Client(base_url=server.url,
                                                                headers=AUTH) as client:
        for extra in ({"num_images": "abc"}, {"seed": "x"}, {"num_images": None}):
            body = {"model_name": "background-remove", "inputs": {"image": URL, **extra}}
            assert client.post("/v1/run", json=body).status_code == 200
            assert client.get("/v1/credits").status_code == 200  # same connection


def test_the_any_key_owner_is_not_a_usable_key(emulator: Emulator) -> None:
    with emulator.httpx_client(headers={"Authorization": "Bearer *"}) as star:
        mine = star.post("/v1/run", json=tryon()).json()["id"]
    with emulator.httpx_client(headers=AUTH) as other:
        assert other.get(f"/v1/status/{mine}").status_code == 404


def test_ids_are_unpredictable_without_a_seed() -> None:
    def first_id(emulator: Emulator) -> str:
        with emulator.httpx_client(headers=AUTH) as client:
            return str(client.post("/v1/run", json=tryon()).json()["id"])

    assert first_id(Emulator(time_scale=0)) != first_id(Emulator(time_scale=0))
    assert first_id(Emulator(time_scale=0, seed=5)) == first_id(Emulator(time_scale=0, seed=5))
