"""The control plane refuses what it cannot use with a clear 400, never a 500, and
nothing it is sent can break the emulator for later requests."""

from __future__ import annotations

import re

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.steering import OPERATIONS
from tests.support import AUTH, tryon


def concrete(path: str) -> str:
    """A control route with its path parameters filled in."""
    return "/_mock" + re.sub(r"\{\w+\}", "box", path)


ROUTES = [(o.method, concrete(o.path)) for o in OPERATIONS if o.where("body")] \
    + [("POST", "/_mock/inbox/box")]
QUERIES = [(o.method, concrete(o.path)) for o in OPERATIONS if o.where("query")]
BODY_FIELDS = sorted({p.name for o in OPERATIONS for p in o.where("body")} | {"nonsense"})
QUERY_FIELDS = sorted({p.name for o in OPERATIONS for p in o.where("query")} | {"nonsense"})
values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) \
    | st.lists(st.integers(), max_size=2)


@pytest.mark.parametrize("raw", [b'{"seconds": NaN}', b'{"seconds": Infinity}',
                                 b'{"seconds": 1e308}', b'{"seconds": -0.5}',
                                 b'{"seconds": true}', b'{"seconds": "5"}'])
def test_clock_moves_only_by_sane_amounts(emulator: Emulator, client: httpx.Client,
                                          raw: bytes) -> None:
    before = emulator.now()
    assert client.post("/_mock/clock/advance", content=raw).status_code == 400
    assert emulator.now() == before
    assert client.post("/v1/run", json=tryon()).status_code == 200


@settings(max_examples=200)
@given(route=st.sampled_from(ROUTES),
       body=st.dictionaries(st.sampled_from(BODY_FIELDS), values, max_size=4))
def test_any_control_body_is_answered_without_a_5xx(route: tuple[str, str],
                                                      body: dict[str, object]) -> None:
    emulator = Emulator(manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        import json

        raw = json.dumps(body).encode()  # NaN and Infinity included, as Python writes them
        response = client.request(route[0], route[1], content=raw)
        assert response.status_code < 500, response.text
        assert client.post("/v1/run", json=tryon()).status_code == 200
        assert client.get("/_mock/journal").status_code == 200


@settings(max_examples=200)
@given(route=st.sampled_from(QUERIES),
       params=st.dictionaries(st.sampled_from(QUERY_FIELDS),
                              st.text(max_size=12) | st.sampled_from(
                                  ["nan", "inf", "-inf", "-5", "1e400", "0"]), max_size=3))
def test_any_control_query_is_answered_without_a_5xx(route: tuple[str, str],
                                                       params: dict[str, str]) -> None:
    emulator = Emulator(manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        client.post("/v1/run", json=tryon())
        response = client.request(route[0], route[1], params=params)
        assert response.status_code < 500, response.text
