"""Deliberately broken emulators, to prove the suites can fail.

``Rewrite`` wraps an ASGI app and edits each API response (status, headers, JSON
body, or the text of an event stream) before the client sees it; other breakages
patch one engine method on one emulator instance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fashn_mock import Config, Emulator

Edit = Callable[[str, str, int, dict[str, str], Any], tuple[int, dict[str, str], Any]]
API_PREFIXES = ("/v1/", "/api/v1/fashion/", "/fashn-virtual-try-on")
"""Every dialect's routes (native, Concurred, Pixazo)."""


class Rewrite:
    """An ASGI wrapper applying ``edit(method, path, status, headers, body)`` to the
    responses of every API route (the body is parsed JSON, else text)."""

    def __init__(self, app: ASGIApp, edit: Edit) -> None:
        self.app, self.edit = app, edit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))
        await self.app(scope, receive, keep)
        headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
        raw = b"".join(chunks)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("latin-1")
        status, headers, body = self.edit(scope["method"], scope["path"], start["status"],
                                          headers, body)
        content = body.encode("latin-1") if isinstance(body, str) else \
            json.dumps(body).encode()
        headers["content-length"] = str(len(content))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": content})


def rewritten(edit: Edit, config: Config | None = None, *, manual_clock: bool = False,
              **settings: Any) -> Emulator:
    """An emulator whose app is wrapped by ``edit`` (``emulator.app`` is replaced)."""
    emulator = Emulator(config or Config(limits=False, **settings), manual_clock=manual_clock)
    emulator.app = Rewrite(emulator.app, edit)  # type: ignore[assignment]
    return emulator


def undocumented_status_value(method: str, path: str, status: int,
                              headers: dict[str, str], body: Any
                              ) -> tuple[int, dict[str, str], Any]:
    """``completed`` becomes ``done``: a status value the contract does not list."""
    if isinstance(body, dict) and body.get("status") == "completed":
        body = {**body, "status": "done"}
    return status, headers, body


def rejects_with_422(method: str, path: str, status: int, headers: dict[str, str],
                     body: Any) -> tuple[int, dict[str, str], Any]:
    """Validation errors answered 422 instead of the documented 400."""
    return (422 if status == 400 else status), headers, body


def forbids_instead_of_401(method: str, path: str, status: int, headers: dict[str, str],
                           body: Any) -> tuple[int, dict[str, str], Any]:
    return (403 if status == 401 else status), headers, body


def extra_output(method: str, path: str, status: int, headers: dict[str, str],
                 body: Any) -> tuple[int, dict[str, str], Any]:
    """One output too many on completed predictions (schema-valid, count wrong)."""
    if isinstance(body, dict) and isinstance(body.get("output"), list):
        body = {**body, "output": [*body["output"], body["output"][0]]}
    return status, headers, body


def no_retry_after(method: str, path: str, status: int, headers: dict[str, str],
                   body: Any) -> tuple[int, dict[str, str], Any]:
    return status, {k: v for k, v in headers.items() if k != "retry-after"}, body


def plain_text_500(method: str, path: str, status: int, headers: dict[str, str],
                   body: Any) -> tuple[int, dict[str, str], Any]:
    """Every accepted run crashes: 500 with a text/plain body."""
    if method == "POST" and status == 200 and isinstance(body, dict):
        return 500, {"content-type": "text/plain"}, "Internal Server Error"
    return status, headers, body


def charges_failures(emulator: Emulator) -> Emulator:
    """The ledger charges failed predictions too."""
    books = emulator.engine.books
    original = books.close

    def close(account: Any, prediction: Any) -> None:
        if not prediction.settled and prediction.outcome != "completed":
            account.balance.reserved -= prediction.cost
            account.balance.charge(0)
            account.balance.on_demand -= prediction.cost
        original(account, prediction)

    books.close = close  # type: ignore[method-assign]
    return emulator


def shows_everyones_predictions(emulator: Emulator) -> Emulator:
    """Any key can read any prediction."""
    engine = emulator.engine
    original, counted = engine.status, engine.status_counted

    def owner(key: str, prediction_id: str) -> str:
        prediction = engine.predictions.get(prediction_id)
        return prediction.key if prediction else key

    def status(key: str, prediction_id: str) -> Any:
        return original(owner(key, prediction_id), prediction_id)

    def status_counted(key: str, prediction_id: str, route: str,
                       scripted_error: str | None = None) -> Any:
        return counted(owner(key, prediction_id), prediction_id, route, scripted_error)

    engine.status = status  # type: ignore[method-assign]
    engine.status_counted = status_counted  # type: ignore[method-assign]
    return emulator


def reuses_ids(emulator: Emulator) -> Emulator:
    emulator.engine.submission.new_id = (  # type: ignore[method-assign]
        lambda *draws: "0b0b0b0b-0000-4000-8000-000000000000")
    return emulator


# --- the gateways ---------------------------------------------------------------------------
def no_rate_headers(method: str, path: str, status: int, headers: dict[str, str],
                    body: Any) -> tuple[int, dict[str, str], Any]:
    """Concurred answers without its X-RateLimit-* headers."""
    return status, {k: v for k, v in headers.items() if not k.startswith("x-ratelimit-")}, body


def status_without_success(method: str, path: str, status: int, headers: dict[str, str],
                           body: Any) -> tuple[int, dict[str, str], Any]:
    """Concurred's status envelope loses ``success``."""
    if "/status/" in path and isinstance(body, dict) and "data" in body:
        body = {k: v for k, v in body.items() if k != "success"}
    return status, headers, body


def extra_output_in_data(method: str, path: str, status: int, headers: dict[str, str],
                         body: Any) -> tuple[int, dict[str, str], Any]:
    """One output too many on Concurred's completed statuses (schema-valid, count wrong)."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and isinstance(data.get("output"), list):
        body = {**body, "data": {**data, "output": [*data["output"], data["output"][0]]}}
    return status, headers, body


def stream_without_done(method: str, path: str, status: int, headers: dict[str, str],
                        body: Any) -> tuple[int, dict[str, str], Any]:
    """Concurred's streams end without the bare ``data: [DONE]``."""
    if isinstance(body, str) and "event: fashion" in body:
        body = body.replace("data: [DONE]\n\n", "")
    return status, headers, body


def stream_out_of_order(method: str, path: str, status: int, headers: dict[str, str],
                        body: Any) -> tuple[int, dict[str, str], Any]:
    """Concurred's status updates no longer ascend (in_queue announced as processing)."""
    if isinstance(body, str) and "event: fashion" in body:
        body = body.replace('"status":"in_queue"', '"status":"processing"')
    return status, headers, body


def stream_names_another_model(method: str, path: str, status: int,
                               headers: dict[str, str], body: Any
                               ) -> tuple[int, dict[str, str], Any]:
    """Concurred's job_submitted names a model that was not submitted (schema-valid)."""
    if isinstance(body, str) and '"type":"job_submitted"' in body:
        body = body.replace('"model_name":"background-remove"', '"model_name":"reframe"')
    return status, headers, body


def error_with_message(method: str, path: str, status: int, headers: dict[str, str],
                       body: Any) -> tuple[int, dict[str, str], Any]:
    """Pixazo's errors gain a field: no longer exactly ``{"error": text}``."""
    if status >= 400 and isinstance(body, dict) and "error" in body:
        body = {**body, "message": "details"}
    return status, headers, body


def images_without_width(method: str, path: str, status: int, headers: dict[str, str],
                         body: Any) -> tuple[int, dict[str, str], Any]:
    """Pixazo's completed images lose their width."""
    if isinstance(body, dict) and isinstance(body.get("images"), list):
        body = {**body, "images": [{k: v for k, v in image.items() if k != "width"}
                                   for image in body["images"]]}
    return status, headers, body


def charges_failures_in_usd(emulator: Emulator) -> Emulator:
    """The ledger charges Pixazo's price for failed requests too."""
    books = emulator.engine.books
    original = books.close

    def close(account: Any, prediction: Any) -> None:
        if not prediction.settled and prediction.outcome != "completed":
            account.balance.spent_usd += prediction.price_usd
        original(account, prediction)

    books.close = close  # type: ignore[method-assign]
    return emulator


def request_id_without_prefix(method: str, path: str, status: int, headers: dict[str, str],
                              body: Any) -> tuple[int, dict[str, str], Any]:
    """Pixazo's result answers name the request without its ``fashn-req-`` prefix."""
    if path.endswith("-result") and isinstance(body, dict) and "request_id" in body:
        body = {**body, "request_id": str(body["request_id"]).removeprefix("fashn-req-")}
    return status, headers, body
