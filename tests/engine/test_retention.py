"""Output retention on the emulator's clock: CDN files for 72 h, base64 for 60 min."""

from __future__ import annotations

import httpx

from fashn_mock import Emulator
from fashn_mock.engine import retention
from fashn_mock.engine.prediction import Prediction
from tests.support import data_uri, tryon


def _finished_at(emulator: Emulator, prediction_id: str) -> float:
    return emulator.engine.predictions[prediction_id].finished_at


def _advance_to(emulator: Emulator, instant: float) -> None:
    emulator.advance(instant - emulator.clock.now())


def test_the_pure_rules_at_their_boundaries(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
    prediction: Prediction = emulator.engine.predictions[prediction_id]
    done = prediction.finished_at
    assert not retention.base64_expired(prediction, done + 3600 - 0.001)
    assert retention.base64_expired(prediction, done + 3600)
    assert not retention.cdn_expired(prediction, done + 72 * 3600 - 0.001)
    assert retention.cdn_expired(prediction, done + 72 * 3600)
    assert retention.expires_at(prediction) == done + 72 * 3600
    assert retention.expired(prediction, done + 72 * 3600)
    assert not retention.expired(prediction, done)


def test_cdn_urls_answer_404_after_72_hours(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
    done = _finished_at(emulator, prediction_id)
    _advance_to(emulator, done)
    url = client.get(f"/v1/status/{prediction_id}").json()["output"][0]
    _advance_to(emulator, done + 72 * 3600 - 1)
    assert client.get(url).status_code == 200
    emulator.advance(1)
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_base64_outputs_expire_after_an_hour(emulator: Emulator, client: httpx.Client) -> None:
    body = tryon(return_base64=True, num_samples=2, model_image=data_uri())
    prediction_id = client.post("/v1/run", json=body).json()["id"]
    done = _finished_at(emulator, prediction_id)
    _advance_to(emulator, done + 3600 - 1)
    output = client.get(f"/v1/status/{prediction_id}").json()["output"]
    assert [uri.startswith("data:image/png;base64,") for uri in output] == [True, True]
    emulator.advance(1)
    output = client.get(f"/v1/status/{prediction_id}").json()["output"]
    assert output == ["<base64>_expired", "<base64>_expired"]


def test_base64_outputs_are_not_on_the_cdn(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(return_base64=True)).json()["id"]
    emulator.advance(60)
    assert client.get(f"/cdn/{prediction_id}/output_0.png").status_code == 404


def test_expired_predictions_are_forgotten(emulator: Emulator, client: httpx.Client) -> None:
    ids = [client.post("/v1/run", json=tryon()).json()["id"] for _ in range(3)]
    last = max(_finished_at(emulator, i) for i in ids)
    _advance_to(emulator, last + 72 * 3600 - 1)
    assert client.get(f"/v1/status/{ids[0]}").status_code == 200
    emulator.advance(1)
    assert client.get(f"/v1/status/{ids[0]}").status_code == 404
    assert all(i not in emulator.engine.predictions for i in ids)
    assert emulator.engine.account("test-key").prediction_ids == []
    docs_example = "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1"
    assert client.get(f"/v1/status/{docs_example}").status_code == 200
