"""The drift report: recorded reality against openapi.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fashn_mock.cassettes import Cassette, verify
from fashn_mock.cassettes.format import Interaction, Request, Response, Step
from fashn_mock.cli import main
from tests.cassettes.conftest import Recording

RUN: dict[str, Any] = {"model_name": "tryon-v1.6",
       "inputs": {"model_image": "https://x/m.jpg", "garment_image": "https://x/g.jpg"}}
JSON = {"content-type": "application/json"}


def hand_made(path: Path) -> Path:
    """What a real recording might show that the contract does not say."""
    surprising = Interaction(
        Request("POST", "/v1/run", {}, {**RUN, "inputs": {**RUN["inputs"],
                                                          "num_samples": 9}}),
        Response(200, {**JSON, "x-fashn-request-id": "abc"},
                 {"id": "p1", "error": None, "queue_position": 3}),
        [Step(0.4, 1, Response(200, JSON, {"id": "p1", "status": "preprocessing",
                                           "output": None, "error": None})),
         Step(2.0, 1, Response(503, JSON, {"error": "ServiceUnavailable", "message": "busy"})),
         Step(9.0, 1, Response(200, {**JSON, "x-fashn-credits-used": "1"},
                               {"id": "p1", "status": "failed", "output": None,
                                "error": {"name": "GarmentError", "message": "no garment",
                                          "code": 17}}))])
    strict_api = Interaction(Request("POST", "/v1/run", {}, RUN),
                             Response(400, JSON, {"error": "BadRequest",
                                                  "message": "model_image too small"}))
    Cassette(path, [surprising, strict_api]).save()
    return path


def test_reality_the_contract_does_not_document(tmp_path: Path) -> None:
    report = verify(hand_made(tmp_path / "real.yaml"))
    found = {(f.kind, f.operation, f.detail) for f in report.findings}
    assert ("undocumented-field", "POST /v1/run 200", "body queue_position") in found
    assert ("undocumented-field", "GET /v1/status/{id} 200", "body error/code") in found
    assert ("undocumented-header", "POST /v1/run 200", "x-fashn-request-id") in found
    assert ("undocumented-status", "GET /v1/status/{id} 503", "HTTP 503") in found
    enums = {d for k, _, d in found if k == "undocumented-enum"}
    assert any(d.startswith('body status = "preprocessing" (documented: starting') for d in enums)
    assert any(d.startswith('body error/name = "GarmentError"') for d in enums)
    assert any(k == "accepted-outside-contract" and "inputs.num_samples" in d
               for k, _, d in found)
    assert ("rejected-within-contract", "POST /v1/run 400",
            "API said: model_image too small") in found
    assert not [f for f in report.findings if f.kind == "mismatch"]  # all explained above
    assert report.exchanges == 5 and not report.ok
    assert "GET /v1/credits: never recorded" in report.never_seen
    text = report.render()
    assert "undocumented field" in text and "real.yaml #1" in text and "Result: DRIFT" in text


def test_a_recording_of_the_emulator_conforms(recording: Recording) -> None:
    report = verify(recording.path)
    assert report.ok, report.render()
    assert report.exchanges == sum(1 + len(i.timeline)
                                   for i in Cassette.load(recording.path).interactions)
    never = "\n".join(report.never_seen)
    assert "GET /v1/status/{id} body status: canceled, time_out never recorded" in never
    assert "ImageLoadError" in never and "PoseError" not in never


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hand_made(tmp_path / "real.yaml")
    assert main(["contract", "verify-cassettes", str(tmp_path)]) == 1
    assert "Result: DRIFT" in capsys.readouterr().out
    assert main(["contract", "verify-cassettes", "--json", str(tmp_path / "real.yaml")]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.yaml").write_text("nope: 1\n")
    assert main(["contract", "verify-cassettes", str(tmp_path / "bad")]) == 2
    assert "not a version 1 fashn-mock cassette" in capsys.readouterr().err
