"""The pytest handle's webhook vocabulary, run in fresh pytest sessions (``pytester``),
including the README's "Webhooks" example verbatim."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

README_EXAMPLE = '''\
import fashn
import pytest


def start_tryon(callback_url: str) -> str:
    """The code under test: it starts a try-on and lets FASHN call it back."""
    started = fashn.Fashn().predictions.run(
        model_name="tryon-v1.6", webhook_url=callback_url,
        inputs={"model_image": "https://example.com/m.jpg",
                "garment_image": "https://example.com/g.jpg"})
    return started.id


@pytest.mark.fashn_mock(time_scale=1)  # documented timings, on the manual clock
def test_the_webhook_arrives_when_the_tryon_finishes(fashn_mock):
    prediction_id = start_tryon(fashn_mock.webhook_url("orders"))
    assert fashn_mock.inbox("orders").payloads == []  # still running
    fashn_mock.run_until_done()  # returns once the webhook was answered
    [payload] = fashn_mock.inbox("orders").payloads
    assert payload["id"] == prediction_id and payload["status"] == "completed"


@pytest.mark.fashn_mock(time_scale=1)
def test_a_failing_receiver_gets_retries(fashn_mock):
    fashn_mock.inbox("orders").fail_next(2)  # the receiver answers 500 twice
    start_tryon(fashn_mock.webhook_url("orders"))
    fashn_mock.run_until_done()
    fashn_mock.advance(10)  # the first retry comes 10 s later
    fashn_mock.advance(30)  # the second one 30 s after that
    assert [a.status_code for a in fashn_mock.webhooks()] == [500, 500, 200]


def test_duplicates_happen(fashn_mock):
    fashn_mock.script_webhook(duplicate=1)  # FASHN may deliver a webhook twice
    prediction_id = start_tryon(fashn_mock.webhook_url("orders"))
    first, second = fashn_mock.inbox("orders").wait(count=2)
    assert first == second and first["id"] == prediction_id
'''


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_webhooks=README_EXAMPLE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_handle_webhook_vocabulary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx
        import pytest

        BODY = {"model_name": "background-remove",
                "inputs": {"image": "https://example.com/bag.jpg"}}

        @pytest.mark.fashn_mock(time_scale=1)
        def test_handle(fashn_mock):
            url = fashn_mock.webhook_url("shop")
            assert url == fashn_mock.base_url + "/_mock/inbox/shop"
            fashn_mock.script_webhook(delay=30)
            with fashn_mock.httpx_client() as client:
                first = client.post("/v1/run", params={"webhook_url": url},
                                    json=BODY).json()["id"]
                fashn_mock.run_until_done()
                assert fashn_mock.inbox("shop").payloads == []  # delayed 30 s
                fashn_mock.advance(30)
                assert [p["id"] for p in fashn_mock.inbox("shop").payloads] == [first]
                fashn_mock.redeliver(first)
                assert len(fashn_mock.inbox("shop").wait(2)) == 2
            assert [a.kind for a in fashn_mock.webhooks()] == ["delivery", "redeliver"]
            assert all(a.key == fashn_mock.api_key for a in fashn_mock.webhooks())

        def test_next_test_starts_clean(fashn_mock):
            assert fashn_mock.webhooks() == []
            assert fashn_mock.inbox("shop").received == []
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_switchable_app_falls_back_to_its_default() -> None:
    import asyncio

    from fashn_mock import Emulator
    from fashn_mock.testing import SwitchableApp
    from fashn_mock.transport import httpx_client

    default, current = Emulator(), Emulator()
    switch = SwitchableApp(default.app)
    headers = {"Authorization": "Bearer k"}
    with httpx_client(switch, headers=headers) as client:
        client.post("/_mock/keys/k/credits", content=b"")  # a refusal: any answer will do
        switch.target = current.app
        assert client.put("/_mock/keys/k/credits", json={"total": 1}).status_code == 200
        switch.target = None
        assert client.get("/_mock/keys/k/credits").json()["credits"]["total"] != 1
    assert current.credits("k").total == 1
    with httpx_client(SwitchableApp(), headers=headers) as client:
        answer = client.get("/v1/credits")
    assert answer.status_code == 503 and "no emulator is active" in answer.json()["message"]
    assert asyncio.run(_lifespan(SwitchableApp())) is None


async def _lifespan(app: object) -> None:
    async def receive() -> dict[str, str]:
        return {"type": "lifespan.startup"}

    async def send(message: object) -> None:
        raise AssertionError("nothing is sent outside HTTP")

    await app({"type": "lifespan"}, receive, send)  # type: ignore[operator]
