"""The Pixazo face end to end: both bases, the lifecycle on a manual clock, the enum
mapping, images as served, failures, USD spend, steering; in-process and on a port."""

from __future__ import annotations

import io
import math

import httpx
import pytest
from PIL import Image

from fashn_mock import Emulator
from fashn_mock.engine.ledger import UNLIMITED
from fashn_mock.faces.pixazo.routes import subscription_key
from fashn_mock.steering import PredictionDetails
from tests.faces.pixazo.support import (
    BASES,
    HEADERS,
    KEY,
    RESULT,
    SUBMIT,
    flat,
    result,
    submit,
)
from tests.support import URL, fashn_mock_process

DOCUMENTED_EXAMPLE = {
    "model_image": "https://pub-582b7213209642b9b995c96c95a30381.r2.dev/vt_human.jpg",
    "garment_image": "https://pub-582b7213209642b9b995c96c95a30381.r2.dev/vt_top.jpeg",
    "category": "auto", "mode": "balanced", "garment_photo_type": "auto",
    "moderation_level": "permissive", "num_samples": 1, "segmentation_free": True,
    "output_format": "png",
}
"""The request body of Pixazo's page, verbatim."""


def prediction_of(emulator: Emulator, request_id: str) -> PredictionDetails:
    return emulator.prediction(request_id.removeprefix("fashn-req-"))


@pytest.mark.parametrize("base", BASES)
def test_submit_then_poll_to_completion(emulator: Emulator, pixazo: httpx.Client,
                                        base: str) -> None:
    response = pixazo.post(f"{base}/fashn-virtual-try-on-request", json=DOCUMENTED_EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "request_id"} and body["status"] == "IN_QUEUE"
    request_id = body["request_id"]
    assert request_id.startswith("fashn-req-")
    running = result(pixazo, request_id, base)
    assert set(running) == {"status", "request_id", "queue_position",
                            "estimated_time_remaining_seconds"}
    assert running["status"] == "IN_QUEUE" and running["request_id"] == request_id
    emulator.advance(30)
    done = result(pixazo, request_id, base)
    assert set(done) == {"status", "request_id", "images", "metadata"}
    assert done["status"] == "COMPLETED" and len(done["images"]) == 1
    assert done["metadata"]["mode"] == "balanced" and done["metadata"]["num_samples"] == 1
    assert result(pixazo, request_id, BASES[1 - BASES.index(base)]) == done  # either base


def test_queue_position_and_remaining_follow_the_clock(emulator: Emulator,
                                                       pixazo: httpx.Client) -> None:
    ids = []
    for _ in range(3):
        ids.append(submit(pixazo))
        emulator.advance(0.01)
    described = [prediction_of(emulator, i) for i in ids]
    processing_at = [d.timeline[2]["at"] for d in described]
    assert [result(pixazo, i)["queue_position"] for i in ids] == [1, 2, 3]
    for instant in sorted(processing_at):
        emulator.advance(instant - emulator.now())
        now = emulator.now()
        for n, request_id in enumerate(ids):
            seen = result(pixazo, request_id)
            waiting = processing_at[n] > now
            assert seen["status"] == ("IN_QUEUE" if waiting else "IN_PROGRESS")
            ahead = sum(1 for at in processing_at[:n] if at > now)
            assert seen["queue_position"] == (1 + ahead if waiting else 0)
            assert seen["estimated_time_remaining_seconds"] == \
                math.ceil(described[n].finished_at - now)
    emulator.run_until_done()
    assert {result(pixazo, i)["status"] for i in ids} == {"COMPLETED"}


@pytest.mark.parametrize("output_format", ["png", "jpeg"])
def test_five_samples_and_their_real_sizes(emulator: Emulator, pixazo: httpx.Client,
                                           output_format: str) -> None:
    request_id = submit(pixazo, num_samples=5, output_format=output_format)
    emulator.run_until_done()
    done = result(pixazo, request_id)
    assert len(done["images"]) == 5 and done["metadata"]["num_samples"] == 5
    assert done["metadata"]["output_format"] == output_format
    for image in done["images"]:
        served = pixazo.get(image["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == image["content_type"]
        decoded = Image.open(io.BytesIO(served.content))
        assert decoded.size == (image["width"], image["height"])
        assert Image.MIME[decoded.format or ""] == image["content_type"]


@pytest.mark.parametrize(("sent", "native", "shown"), [
    ({"category": "outerwear", "mode": "fast", "garment_photo_type": "on_model",
      "moderation_level": "strict"},
     {"category": "tops", "mode": "performance", "garment_photo_type": "model",
      "moderation_level": "conservative"}, "fast"),
    ({"category": "dress", "mode": "high_quality", "garment_photo_type": "flat_lay",
      "moderation_level": "moderate"},
     {"category": "one-pieces", "mode": "quality", "garment_photo_type": "flat-lay",
      "moderation_level": "permissive"}, "high_quality"),
    ({"category": "bottoms", "mode": "performance", "garment_photo_type": "flat-lay",
      "moderation_level": "none"},
     {"category": "bottoms", "mode": "performance", "garment_photo_type": "flat-lay",
      "moderation_level": "none"}, "fast"),
])
def test_both_vocabularies_run_in_native_values_and_show_pixazos_mode(
        emulator: Emulator, pixazo: httpx.Client, sent: dict[str, str],
        native: dict[str, str], shown: str) -> None:
    request_id = submit(pixazo, **sent)
    inputs = prediction_of(emulator, request_id).inputs
    assert isinstance(inputs, dict)
    assert {k: inputs[k] for k in native} == native
    emulator.run_until_done()
    assert result(pixazo, request_id)["metadata"]["mode"] == shown


def test_processing_time_is_emulator_seconds(emulator: Emulator,
                                             pixazo: httpx.Client) -> None:
    request_id = submit(pixazo, mode="high_quality")
    emulator.advance(100)
    described = prediction_of(emulator, request_id)
    took = described.finished_at - described.created_at
    assert 12 <= took <= 17
    assert result(pixazo, request_id)["metadata"]["processing_time_seconds"] == round(took, 3)


def failed(emulator: Emulator, pixazo: httpx.Client, request_id: str) -> dict[str, object]:
    emulator.run_until_done()
    body = result(pixazo, request_id)
    assert set(body) == {"status", "request_id", "error_code", "error_message"}
    assert body["status"] == "FAILED" and body["error_message"]
    return body


def test_an_unloadable_image_is_invalid_image_uri(emulator: Emulator,
                                                  pixazo: httpx.Client) -> None:
    body = failed(emulator, pixazo, submit(pixazo, garment_image="not a url"))
    assert body["error_code"] == "INVALID_IMAGE_URI"
    assert "garment image" in str(body["error_message"])


def test_scripted_runtime_errors_in_every_form(emulator: Emulator,
                                               pixazo: httpx.Client) -> None:
    marked = submit(pixazo, model_image=f"{URL}#fashn-mock-error=PoseError")
    assert failed(emulator, pixazo, marked)["error_code"] == "POSE_DETECTION_FAILED"
    header = pixazo.post(SUBMIT, json=flat(),
                         headers={"X-Fashn-Mock-Error": "ContentModerationError"})
    assert failed(emulator, pixazo, header.json()["request_id"])["error_code"] == \
        "CONTENT_MODERATION"
    emulator.fail_next("UnavailableError", model="tryon-v1.6", key=KEY)
    assert failed(emulator, pixazo, submit(pixazo))["error_code"] == "SERVICE_UNAVAILABLE"
    refused = pixazo.post(SUBMIT, json=flat(model_image=f"{URL}#fashn-mock-error=NotFound"))
    assert refused.status_code == 404


@pytest.mark.parametrize(("action", "code"), [("cancel", "CANCELED"),
                                              ("time_out", "TIMEOUT")])
def test_interrupted_requests_are_failed(emulator: Emulator, pixazo: httpx.Client,
                                         action: str, code: str) -> None:
    request_id = submit(pixazo)
    prediction_id = request_id.removeprefix("fashn-req-")
    assert pixazo.post(f"/_mock/predictions/{prediction_id}/{action}").status_code == 200
    assert failed(emulator, pixazo, request_id)["error_code"] == code


def test_spend_is_usd_per_completed_request(emulator: Emulator,
                                            pixazo: httpx.Client) -> None:
    def spent() -> object:
        body = pixazo.get(f"/_mock/keys/{KEY}/credits").json()
        assert body["credits"]["total"] == UNLIMITED  # no FASHN credits are charged
        return body["spent_usd"]

    assert spent() == 0.0
    submit(pixazo, num_samples=5)  # one request, whatever the samples
    submit(pixazo, garment_image="not a url")  # fails: free
    canceled = submit(pixazo)
    emulator.cancel(canceled.removeprefix("fashn-req-"))  # canceled: free
    assert spent() == 0.0  # charged on completion only
    emulator.run_until_done()
    assert spent() == 0.075
    submit(pixazo)
    emulator.run_until_done()
    assert spent() == 0.15
    assert emulator.credits(KEY).charged == 0


def test_steering_and_inspection_see_the_dialect(emulator: Emulator,
                                                 pixazo: httpx.Client) -> None:
    request_id = submit(pixazo)
    listed = pixazo.get("/_mock/predictions", params={"key": KEY}).json()["predictions"]
    assert [(p["id"], p["dialect"], p["model"], p["cost"]) for p in listed] == \
        [(request_id.removeprefix("fashn-req-"), "pixazo", "tryon-v1.6", 0)]
    result(pixazo, request_id)
    entries = pixazo.get("/_mock/journal", params={"dialect": "pixazo"}).json()["entries"]
    assert [e["path"] for e in entries] == [SUBMIT, RESULT]
    assert {e["key"] for e in entries} == {KEY}
    assert pixazo.get("/_mock/journal", params={"dialect": "native"}).json()["entries"] == []


def test_time_scale_zero_completes_at_once() -> None:
    emulator = Emulator(time_scale=0)
    with emulator.httpx_client(headers=HEADERS) as client:
        assert result(client, submit(client))["status"] == "COMPLETED"


def test_the_documented_headers_are_not_required(emulator: Emulator) -> None:
    with emulator.httpx_client() as client:
        response = client.post(SUBMIT, content=b'{"model_image": "https://a.b/c.jpg", '
                               b'"garment_image": "https://a.b/d.jpg"}',
                               headers={"Ocp-Apim-Subscription-Key": KEY})
        assert response.status_code == 200


def test_subscription_keys_are_trimmed() -> None:
    assert subscription_key("  abc ") == "abc"


def test_the_native_face_is_unchanged(pixazo: httpx.Client) -> None:
    native = pixazo.post("/v1/run", headers={"Authorization": "Bearer k"},
                         json={"model_name": "tryon-v1.6", "inputs": flat()})
    assert native.status_code == 200 and set(native.json()) == {"id", "error"}
    assert pixazo.post("/v1/run", headers={"Authorization": "Bearer k"},
                       json={"model_name": "tryon-v1.6",
                             "inputs": flat(num_samples=5)}).status_code == 400


def test_on_a_real_port_with_the_python_api() -> None:
    with Emulator(time_scale=0) as emulator, httpx.Client(base_url=emulator.base_url,
                                                          headers=HEADERS) as client:
        for base in BASES:
            done = result(client, submit(client, base, num_samples=2), base)
            assert done["status"] == "COMPLETED"
            for image in done["images"]:
                assert image["url"].startswith(emulator.base_url)
                decoded = Image.open(io.BytesIO(httpx.get(image["url"]).content))
                assert decoded.size == (image["width"], image["height"])


def test_against_a_served_process() -> None:
    """What the README's curl example does, against ``fashn-mock serve --time-scale 0``."""
    with fashn_mock_process("serve", "--time-scale", "0") as (url, _), \
            httpx.Client(base_url=url, headers=HEADERS) as client:
        submitted = client.post(SUBMIT, json=DOCUMENTED_EXAMPLE)
        assert submitted.status_code == 200
        done = client.post(RESULT, json={"request_id": submitted.json()["request_id"]})
        assert done.json()["status"] == "COMPLETED"
        assert httpx.get(done.json()["images"][0]["url"]).status_code == 200
        assert client.get(f"/_mock/keys/{KEY}/credits").json()["spent_usd"] == 0.075


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_pytest_fixture_serves_pixazo(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_pixazo_through_the_fixture(fashn_mock):
            headers = {"Ocp-Apim-Subscription-Key": fashn_mock.api_key}
            base = fashn_mock.base_url + "/fashn-virtual-try-on-917/v1"
            fashn_mock.fail_next("PoseError", model="tryon-v1.6")
            body = {"model_image": "https://x/a.png", "garment_image": "https://x/b.png"}
            first = httpx.post(base + "/fashn-virtual-try-on-request", json=body,
                               headers=headers).json()["request_id"]
            second = httpx.post(base + "/fashn-virtual-try-on-request", json=body,
                                headers=headers).json()["request_id"]
            fashn_mock.run_until_done()
            poll = base + "/fashn-virtual-try-on-request-result"
            failed = httpx.post(poll, json={"request_id": first}, headers=headers).json()
            assert failed["error_code"] == "POSE_DETECTION_FAILED"
            done = httpx.post(poll, json={"request_id": second}, headers=headers).json()
            assert done["status"] == "COMPLETED"
            assert {p.dialect for p in fashn_mock.predictions()} == {"pixazo"}
            assert fashn_mock.credits().spent_usd == 0.075
            assert len(fashn_mock.journal()) == 4
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
