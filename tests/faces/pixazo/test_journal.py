"""How the journal reads Pixazo exchanges."""

from __future__ import annotations

import json
from typing import Any

import httpx

from fashn_mock import Emulator
from fashn_mock.faces.journaling import Exchange
from fashn_mock.faces.pixazo import JOURNAL
from fashn_mock.faces.pixazo.journal import parse
from tests.faces.pixazo.support import KEY, RESULT, SUBMIT, flat, submit


def exchange(path: str, status: int, body: Any = None) -> Exchange:
    raw = bytearray(json.dumps(body).encode()) if body is not None else bytearray()
    return Exchange(0.0, "POST", path, b"", [], raw, status=status)


def test_both_bases_are_journaled_as_pixazo() -> None:
    assert JOURNAL.dialect == "pixazo" and JOURNAL.strict
    assert SUBMIT.startswith(JOURNAL.prefix)
    assert "/fashn-virtual-try-on/v1/x".startswith(JOURNAL.prefix)


def test_keys_ids_statuses_and_errors() -> None:
    headers = {"ocp-apim-subscription-key": " k "}
    submitted = parse(exchange(SUBMIT, 200, flat()), headers,
                      {"status": "IN_QUEUE", "request_id": "fashn-req-abc"})
    assert (submitted.key, submitted.prediction_id, submitted.prediction_status,
            submitted.error) == ("k", "abc", None, None)
    polled = parse(exchange(RESULT, 200, {"request_id": "fashn-req-abc"}), headers,
                   {"status": "COMPLETED", "request_id": "fashn-req-abc"})
    assert (polled.prediction_id, polled.prediction_status) == ("abc", "COMPLETED")
    missing = parse(exchange(RESULT, 404, {"request_id": "fashn-req-gone"}), {},
                    {"error": "Endpoint not found: ..."})
    assert (missing.key, missing.prediction_id, missing.prediction_status, missing.error) \
        == (None, "gone", None, "Endpoint not found: ...")
    garbage = parse(exchange(RESULT, 400), {"ocp-apim-subscription-key": ""}, None)
    assert (garbage.key, garbage.prediction_id, garbage.error) == (None, None, None)
    not_json = Exchange(0.0, "POST", RESULT, b"", [], bytearray(b"\xff"), status=400)
    assert parse(not_json, {}, [1]).prediction_id is None


def test_entries_over_http(emulator: Emulator, pixazo: httpx.Client) -> None:
    request_id = submit(pixazo)
    prediction_id = request_id.removeprefix("fashn-req-")
    emulator.run_until_done()
    pixazo.post(RESULT, json={"request_id": request_id})
    pixazo.post(RESULT, json={"request_id": "fashn-req-nope"})
    entries = emulator.journal(dialect="pixazo")
    assert [(e.key, e.prediction_id, e.prediction_status, e.status) for e in entries] == [
        (KEY, prediction_id, None, 200), (KEY, prediction_id, "COMPLETED", 200),
        (KEY, "nope", None, 404)]
    assert entries[2].error is not None and entries[2].error.startswith("Endpoint not found")
    assert emulator.journal(prediction_id=prediction_id, dialect="pixazo") == entries[:2]
