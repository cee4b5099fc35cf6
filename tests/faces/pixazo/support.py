"""Helpers shared by the Pixazo face's tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import URL

KEY = "pixazo-key"
HEADERS = {"Ocp-Apim-Subscription-Key": KEY, "Content-Type": "application/json",
           "Cache-Control": "no-cache"}
BASES = ("/fashn-virtual-try-on-917/v1", "/fashn-virtual-try-on/v1")
BASE = BASES[0]
SUBMIT = f"{BASE}/fashn-virtual-try-on-request"
RESULT = f"{BASE}/fashn-virtual-try-on-request-result"


def flat(**fields: Any) -> dict[str, Any]:
    """A flat Pixazo try-on body."""
    return {"model_image": URL, "garment_image": URL, **fields}


def submit(client: httpx.Client, base: str = BASE, **fields: Any) -> str:
    """Submit a flat body; returns its request id."""
    response = client.post(f"{base}/fashn-virtual-try-on-request", json=flat(**fields))
    assert response.status_code == 200, response.text
    request_id = response.json()["request_id"]
    assert isinstance(request_id, str)
    return request_id


def result(client: httpx.Client, request_id: str, base: str = BASE) -> dict[str, Any]:
    response = client.post(f"{base}/fashn-virtual-try-on-request-result",
                           json={"request_id": request_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
