"""The dashboard's routes in-process: every view, the token gate and login, hostile
queries, escaping of what clients sent, the optional panels."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse
from starlette.routing import Route

from fashn_mock import Emulator
from fashn_mock.engine import DOCS_EXAMPLE_ID
from fashn_mock.faces.ui import session
from fashn_mock.faces.ui.dashboard import safe_next
from tests.support import AUTH, KEY, data_uri, tryon

VIEWS = ("/_mock/ui", "/_mock/ui/", "/_mock/ui/books", "/_mock/ui/journal",
         "/_mock/ui/controls")
PARTS = ("/_mock/ui/part/predictions", "/_mock/ui/part/books", "/_mock/ui/part/journal",
         "/_mock/ui/part/controls")
TOKEN = "a-long-control-token"


@pytest.fixture
def guarded() -> Iterator[httpx.Client]:
    emulator = Emulator(manual_clock=True, control_token=TOKEN)
    with emulator.httpx_client(follow_redirects=False) as client:
        yield client


def test_every_view_renders_with_its_security_headers(emulator: Emulator,
                                                      client: httpx.Client) -> None:
    client.post("/v1/run", json=tryon())
    for path in (*VIEWS, *PARTS):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    page = client.get("/_mock/ui/books").text
    assert '<a href="/_mock/ui/books" aria-current="page">Books</a>' in page
    assert 'data-live="/_mock/ui/part/books?page=1"' in page
    assert client.get("/_mock/ui/static/dashboard.js").headers["content-type"].startswith(
        ("text/javascript", "application/javascript"))
    assert client.get("/_mock/ui/static/dashboard.css").status_code == 200


def test_no_control_means_no_dashboard() -> None:
    emulator = Emulator(manual_clock=True, control=False)
    with emulator.httpx_client() as client:
        for path in (*VIEWS, "/_mock/ui/events", "/_mock/ui/login"):
            assert client.get(path).status_code == 404


def test_the_prediction_list_pages_and_filters() -> None:
    emulator = Emulator(manual_clock=True, limits=False)
    with emulator.httpx_client(headers=AUTH) as client:
        check_pages(emulator, client)


def check_pages(emulator: Emulator, client: httpx.Client) -> None:
    ids = [client.post("/v1/run", json=tryon()).json()["id"] for _ in range(60)]
    first = client.get("/_mock/ui").text
    assert first.count('<tr id="row-') == 50 and f'id="row-{ids[-1]}"' in first
    second = client.get("/_mock/ui", params={"page": 2}).text
    assert second.count('<tr id="row-') == 10 and f'id="row-{ids[0]}"' in second
    assert "51\u201360 of 60" in second
    assert client.get("/_mock/ui", params={"page": 99}).status_code == 200
    assert client.get("/_mock/ui", params={"key": "nobody"}).text.count('<tr id="row-') == 0
    emulator.advance(60)
    done = client.get("/_mock/ui", params={"status": "completed", "per": 10}).text
    assert done.count('<tr id="row-') == 10 and 'class="thumb"' in done
    assert f'src="/cdn/{ids[-1]}/output_0.png"' in done


@pytest.mark.parametrize("query", [{"page": "0"}, {"page": "x"}, {"per": "5000"},
                                   {"status": "exploded"}, {"key": "k" * 500},
                                   {"page": "\u0661"}])
def test_bad_queries_are_a_clear_400(client: httpx.Client, query: dict[str, str]) -> None:
    response = client.get("/_mock/ui", params=query)
    assert response.status_code == 400 and 'role="alert"' in response.text
    assert client.get("/_mock/ui/part/predictions", params=query).status_code == 400


@given(path=st.sampled_from([*VIEWS, *PARTS]),
       query=st.dictionaries(st.sampled_from(["key", "model", "status", "dialect", "page",
                                              "per", "method", "path", "prediction_id",
                                              "refused"]),
                             st.text(max_size=40), max_size=4))
def test_hostile_queries_never_fail_and_are_escaped(path: str, query: dict[str, str]) -> None:
    emulator = Emulator(manual_clock=True)
    with emulator.httpx_client() as client:
        response = client.get(path, params={k: v + "<b>x" for k, v in query.items()})
    assert response.status_code in (200, 400)
    assert "<b>x" not in response.text


def test_detail_view_shows_image_inputs_and_escapes_text(emulator: Emulator,
                                                         client: httpx.Client) -> None:
    image = data_uri((8, 8))
    run = client.post("/v1/run", json={"model_name": "background-change", "inputs": {
        "image": image, "prompt": "<script>alert(1)</script> data:text/html,<b>"}}).json()
    page = client.get(f"/_mock/ui/predictions/{run['id']}").text
    assert f'<img class="input-image" src="{image}" alt="input image">' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count('class="input-image"') == 1
    assert f'data-webhooks="/_mock/webhooks?prediction_id={run["id"]}"' in page
    assert "no webhook deliveries" in page
    assert "POST /v1/run" in page  # the request that made it, from the journal
    assert f'id="cancel-{run["id"]}"' in page
    emulator.advance(200)
    done = client.get(f"/_mock/ui/part/predictions/{run['id']}").text
    assert f'src="/cdn/{run["id"]}/output_0.png"' in done and "cancel-" not in done
    assert client.get("/_mock/ui/predictions/unknown").status_code == 404
    assert client.get("/_mock/ui/part/predictions/unknown").status_code == 404
    svg = client.post("/v1/run", json={"model_name": "background-remove", "inputs": {
        "image": "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="}}).json()
    assert 'class="input-image"' not in client.get(f"/_mock/ui/predictions/{svg['id']}").text


def test_the_docs_example_has_a_detail_view(client: httpx.Client) -> None:
    page = client.get(f"/_mock/ui/predictions/{DOCS_EXAMPLE_ID}").text
    assert "every key (the docs&#39; example)" in page and "\x00" not in page
    assert 'class="status status-completed"' in page


def test_a_video_output_gets_a_player(emulator: Emulator, client: httpx.Client) -> None:
    run = client.post("/v1/run", json={"model_name": "image-to-video", "inputs": {
        "image": "https://example.com/a.png", "resolution": "480p"}}).json()
    emulator.run_until_done()
    page = client.get(f"/_mock/ui/predictions/{run['id']}").text
    assert f'<video controls preload="metadata" src="/cdn/{run["id"]}/output_0.mp4"' in page


def test_failed_predictions_show_their_error(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail_next("PoseError")
    run = client.post("/v1/run", json=tryon()).json()
    emulator.run_until_done()
    page = client.get(f"/_mock/ui/predictions/{run['id']}").text
    assert 'class="error-name">PoseError</strong>' in page
    assert "status-failed" in client.get("/_mock/ui").text


def test_webhook_and_replay_panels_read_their_routes_when_they_exist(
        emulator: Emulator, client: httpx.Client) -> None:
    async def empty(request: object) -> JSONResponse:
        return JSONResponse({"attempts": [], "misses": []})
    emulator.app.router.routes += [Route("/_mock/webhooks", empty),
                                   Route("/_mock/replay", empty)]
    run = client.post("/v1/run", json=tryon()).json()
    page = client.get(f"/_mock/ui/predictions/{run['id']}").text
    assert f'data-webhooks="/_mock/webhooks?prediction_id={run["id"]}"' in page
    assert 'data-replay="/_mock/replay"' in client.get("/_mock/ui/journal").text


def test_the_journal_view_shows_refusals_with_their_reason(client: httpx.Client) -> None:
    client.get("/v1/credits", headers={"X-Fashn-Mock-Error": "RateLimitExceeded"})
    client.get("/v1/status/unknown")
    page = client.get("/_mock/ui/journal").text
    assert re.search(r'data-status="429">.*?RateLimitExceeded, retry after 1 s', page, re.S)
    refused = client.get("/_mock/ui/journal", params={"refused": "1", "status": "404"}).text
    assert refused.count('<tr id="entry-') == 1 and "NotFound" in refused
    assert "Strict mode is off" in page and "requests analysed" in page


def test_books_and_controls_views(emulator: Emulator, client: httpx.Client) -> None:
    client.post("/v1/run", json=tryon())
    emulator.fail_next("PoseError", times=3, key=KEY)
    books = client.get("/_mock/ui/books").text
    assert "1 / 6 in use" in books and 'max="50" value="1"' in books
    assert 'data-api="/_mock/keys/{key}/credits" data-method="PUT"' in books
    controls = client.get("/_mock/ui/part/controls").text
    assert "<td>PoseError</td><td>any</td>" in controls and "<td>3</td>" in controls


def test_pages_need_the_token_and_the_login_form_gives_a_cookie(
        guarded: httpx.Client) -> None:
    page = guarded.get("/_mock/ui/journal", params={"key": "k"})
    assert page.status_code == 303
    assert page.headers["location"] == "/_mock/ui/login?next=%2F_mock%2Fui%2Fjournal%3Fkey%3Dk"
    for path in (*PARTS, "/_mock/ui/events"):
        assert guarded.get(path).status_code == 401
    form = guarded.get("/_mock/ui/login", params={"next": "/_mock/ui/journal?key=k"})
    assert 'type="password"' in form.text and 'value="/_mock/ui/journal?key=k"' in form.text

    wrong = guarded.post("/_mock/ui/login", data={"token": "nope", "next": "/_mock/ui"})
    assert wrong.status_code == 401 and "Wrong token." in wrong.text
    assert "set-cookie" not in wrong.headers

    right = guarded.post("/_mock/ui/login",
                         data={"token": TOKEN, "next": "/_mock/ui/journal?key=k"})
    assert right.status_code == 303 and right.headers["location"] == "/_mock/ui/journal?key=k"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith(f"{session.COOKIE}=") and TOKEN not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/_mock" in cookie
    assert guarded.get("/_mock/ui/journal").status_code == 200  # the client keeps the cookie
    assert guarded.get("/_mock/clock").status_code == 200  # the control API reads too
    assert guarded.post("/_mock/clock/advance", json={"seconds": 1}).status_code == 401
    moved = guarded.post("/_mock/clock/advance", json={"seconds": 1},
                         headers={session.UI_HEADER: "1"})
    assert moved.status_code == 200

    out = guarded.post("/_mock/ui/logout")
    assert out.status_code == 303 and 'Max-Age=0' in out.headers["set-cookie"]
    guarded.cookies.clear()
    assert guarded.get("/_mock/ui").status_code == 303
    assert guarded.get("/_mock/ui", headers={"X-Fashn-Mock-Token": TOKEN}).status_code == 200


def test_login_without_a_token_goes_straight_to_the_dashboard(client: httpx.Client) -> None:
    response = client.get("/_mock/ui/login", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/_mock/ui"


@pytest.mark.parametrize("target", [None, "", "https://evil.example/", "//evil.example/",
                                    "/_mock/ui//evil", "/elsewhere", "/_mock/ui\\x",
                                    "/_mock/ui\r\nSet-Cookie: x"])
def test_login_never_redirects_off_the_dashboard(target: str | None) -> None:
    assert safe_next(target) == "/_mock/ui"


def test_a_huge_login_body_is_a_wrong_token(guarded: httpx.Client) -> None:
    response = guarded.post("/_mock/ui/login", content=b"token=" + b"x" * 100_000,
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401


def test_the_reports_show_violations_and_behaviour_findings() -> None:
    emulator = Emulator(manual_clock=True, strict=True)
    with emulator.httpx_client(headers=AUTH) as client:
        client.post("/v1/run", json=tryon(num_samples=9))
        run = client.post("/v1/run", json=tryon()).json()
        for _ in range(3):
            client.get(f"/v1/status/{run['id']}")
        page = client.get("/_mock/ui/part/journal").text
    assert "body inputs.num_samples</span>:" in page
    assert "<td>fast-polling</td>" in page


def test_other_dialects_show_their_dialect_and_money(emulator: Emulator) -> None:
    headers = {"Ocp-Apim-Subscription-Key": "pixazo-key"}
    base = "/fashn-virtual-try-on-917/v1"
    with emulator.httpx_client(headers=headers) as client:
        client.post(f"{base}/fashn-virtual-try-on-request", json={
            "model_image": "https://example.com/m.jpg",
            "garment_image": "https://example.com/g.jpg"})
        emulator.run_until_done()
        listed = client.get("/_mock/ui", params={"dialect": "pixazo"}).text
        assert listed.count("<tr id=") == 1 and "<td>pixazo</td>" in listed
        assert " · $" in listed
        assert client.get("/_mock/ui", params={"dialect": "native"}).text.count("<tr id=") == 0
        assert "Money spent" in client.get("/_mock/ui/books").text
        journal = client.get("/_mock/ui/part/journal", params={"dialect": "pixazo"}).text
        assert f"POST {base}/fashn-virtual-try-on-request" in journal
