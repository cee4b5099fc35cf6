"""Plumbing shared by the faces: endpoints served as ASGI apps, API key headers, JSON
answers already encoded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from fashn_mock.engine.errors import DomainError, Unauthenticated
from fashn_mock.faces.common import Answering, JSONBytes, answering_errors, bearer_key
from fashn_mock.transport import httpx_client


def render(request: Request, error: DomainError) -> Response:
    return JSONResponse({"error": type(error).__name__, "message": str(error)},
                        status_code=401)


@answering_errors(render)
async def hello(request: Request) -> Response:
    if "deny" in request.query_params:
        raise Unauthenticated("missing")
    if "crash" in request.query_params:
        raise RuntimeError("a bug")
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/hello", hello, methods=["GET"])])


def test_an_answering_endpoint_is_served_as_it_is_under_its_own_name() -> None:
    route = APP.routes[0]
    assert isinstance(hello, Answering)
    assert isinstance(route, Route) and route.app is hello and route.name == "hello"


def test_an_answering_endpoint_answers_domain_errors_and_leaves_the_rest_to_the_app() -> None:
    with httpx_client(APP) as client:
        assert client.get("/hello").text == "hello"
        denied = client.get("/hello?deny=1")
        assert denied.status_code == 401
        assert denied.json() == {"error": "Unauthenticated", "message": "no API key was sent"}
        assert client.get("/hello?crash=1").status_code == 500  # a bug: the app's 500
        assert client.post("/hello").status_code == 405  # routing: the app's own answer
        assert client.head("/hello").status_code == 200


def test_bearer_keys_are_read_from_well_formed_headers_only() -> None:
    assert bearer_key("Bearer k1") == "k1" and bearer_key("bearer  k2 ") == "k2"
    assert bearer_key(None) is None and bearer_key("Basic k") is None
    assert bearer_key("Bearer ") is None and bearer_key("") is None


HEADER_NAMES = st.sampled_from(["X-RateLimit-Limit", "x-fashn-credits-used", "Retry-After"])


@given(st.binary(max_size=40), st.none() | st.dictionaries(HEADER_NAMES, st.text(
    st.characters(min_codepoint=32, max_codepoint=255), max_size=8)))
def test_json_bytes_answer_as_starlettes_response(body: bytes,
                                                  headers: dict[str, str] | None) -> None:
    fast = JSONBytes(body, headers)
    plain = Response(body, media_type="application/json", headers=headers)
    assert (fast.status_code, fast.raw_headers, fast.body, fast.background) == \
        (plain.status_code, plain.raw_headers, plain.body, plain.background)
