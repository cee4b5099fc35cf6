"""How the journal reads Pixazo exchanges: the key from ``Ocp-Apim-Subscription-Key``,
the prediction from a ``request_id`` (answer first, else the request body), the status
as the result answer reported it (``IN_QUEUE``, ``IN_PROGRESS``, ``COMPLETED``,
``FAILED``) and the ``error`` text of a refusal. ``--strict`` checks its requests
against the Pixazo contract (``contract.strict_gateways``)."""

from __future__ import annotations

import json
from typing import Any

from fashn_mock.catalog.gateways.pixazo import RESULT
from fashn_mock.faces.journaling import Exchange, JournalRoute, Parsed
from fashn_mock.faces.pixazo import bodies
from fashn_mock.faces.pixazo.routes import DIALECT, KEY_HEADER, PREFIX


def parse(exchange: Exchange, headers: dict[str, str], answer: Any) -> Parsed:
    key = (headers.get(KEY_HEADER) or "").strip() or None
    found = answer.get("request_id") if isinstance(answer, dict) else None
    if not isinstance(found, str):
        found = _request_body(exchange).get("request_id")
    prediction_id = bodies.prediction_id(found) if isinstance(found, str) else None
    status = answer.get("status") if isinstance(answer, dict) else None
    reported = status if (exchange.status == 200 and exchange.path.endswith(RESULT)
                          and isinstance(status, str)) else None
    error = answer.get("error") if isinstance(answer, dict) and exchange.status >= 400 \
        else None
    return Parsed(key, prediction_id, reported, error if isinstance(error, str) else None)


def _request_body(exchange: Exchange) -> dict[str, Any]:
    try:
        body = json.loads(bytes(exchange.body))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


JOURNAL = JournalRoute(PREFIX, DIALECT, parse, strict=True)
"""Every exchange under Pixazo's prefix, journaled as dialect ``pixazo``."""
