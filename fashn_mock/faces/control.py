"""The control plane, ``/_mock/...``: steer and inspect the emulator over HTTP.

Each route is a one-line translation to an engine call; the same operations
exist on the Python ``Emulator`` and the pytest fixture.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock import safejson
from fashn_mock.clock import MAX_ADVANCE
from fashn_mock.engine import Engine
from fashn_mock.engine.errors import DomainError, InvalidRequest, Unauthenticated
from fashn_mock.engine.network import NetworkRule, parse_profile
from fashn_mock.engine.webhook_script import Rule as ScriptRule
from fashn_mock.engine.webhook_script import build as build_script
from fashn_mock.faces.common import read_body
from fashn_mock.faces.native.errors import wire_form
from fashn_mock.faces.ui.session import cookie_allows
from fashn_mock.validation import parse_json

PREFIX = "/_mock"
TOKEN_HEADER = "x-fashn-mock-token"
INBOX_BODY_BYTES = 16 * 1024 * 1024
"""Enough for a webhook carrying base64 outputs."""
SECRET_HEADERS = ("authorization", "cookie", TOKEN_HEADER)
"""Not kept by inboxes."""
Handler = Callable[[Request], Awaitable[Any]]
NETWORK_RULE_FIELDS = {"fault", "path", "method", "dialect", "key", "model", "times"}


def render(request: Request, error: DomainError) -> Response:
    """Control-plane refusals: the native body shape, with the engine's own message."""
    status, name, _, headers = wire_form(error)
    return JSONResponse({"error": name, "message": error.message}, status_code=status,
                        headers=headers)


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so timing does not reveal the token."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def authorized(request: Request, token: str) -> bool:
    """The token header, or the dashboard's session cookie (``faces.ui.session``)."""
    return token_matches(request.headers.get(TOKEN_HEADER), token) \
        or cookie_allows(request, token)


def routes(engine: Engine) -> list[Route]:
    config = engine.config

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                if config.control_token and not authorized(request, config.control_token):
                    raise Unauthenticated(
                        "unknown", f"Control API: missing or wrong {TOKEN_HEADER} header")
                result = await handler(request)
            except DomainError as error:
                return render(request, error)
            except ValueError as error:  # e.g. the clock refusing a move
                return render(request, InvalidRequest(f"Control API: {error}"))
            return result if isinstance(result, Response) else JSONResponse(result)
        return endpoint

    async def body(request: Request) -> dict[str, Any]:
        raw = await read_body(request, 1024 * 1024)
        if not raw.strip():
            return {}
        parsed = parse_json(raw)
        if not isinstance(parsed, dict):
            raise InvalidRequest("Control API: expected a JSON object")
        return parsed

    async def reset(request: Request) -> Any:
        engine.reset((await body(request)).get("key") or request.query_params.get("key"))
        return {"reset": True}

    async def clock(request: Request) -> Any:
        return {"now": engine.clock.now(), "frozen": engine.clock.frozen,
                "time_scale": config.time_scale}

    async def advance(request: Request) -> Any:
        seconds = (await body(request)).get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) \
                or not 0 <= seconds <= MAX_ADVANCE:
            raise InvalidRequest(f"seconds: expected a number within 0..{MAX_ADVANCE:.0f}",
                                 field="seconds")
        engine.clock.advance(float(seconds))
        return await clock(request)

    async def run_until_done(request: Request) -> Any:
        key = (await body(request)).get("key")
        if key is not None and not isinstance(key, str):
            raise InvalidRequest("key: expected a string", field="key")
        engine.run_until_done(key or None)
        return await clock(request)

    async def freeze(request: Request) -> Any:
        engine.clock.freeze()
        return await clock(request)

    async def unfreeze(request: Request) -> Any:
        engine.clock.unfreeze()
        return await clock(request)

    async def credits(request: Request) -> Any:
        key = request.path_params["key"]
        if request.method == "GET":
            balance = engine.balance(key)
        else:
            values = await body(request)
            balance = engine.set_credits(key, values.get("total"),
                                         subscription=values.get("subscription"),
                                         on_demand=values.get("on_demand"))
        # spent_usd: money spent in dialects that price in dollars (Pixazo)
        return {"key": key, "credits": balance.as_json(), "spent_usd": balance.spent_usd}

    async def predictions(request: Request) -> Any:
        query = request.query_params
        return {"predictions": engine.list_predictions(
            key=query.get("key"), model=query.get("model"), status=query.get("status"))}

    async def prediction(request: Request) -> Any:
        return engine.describe(request.path_params["id"])

    async def interrupt(request: Request) -> Any:
        outcome = request.path_params["outcome"]
        if outcome not in ("cancel", "time_out"):
            return JSONResponse({"error": "NotFound",
                                 "message": f"Control API: no action {outcome!r}"},
                                status_code=404)
        prediction = engine.interrupt(request.path_params["id"],
                                      "canceled" if outcome == "cancel" else "time_out")
        return engine.describe(prediction.id)

    async def journal(request: Request) -> Any:
        if request.method == "DELETE":
            engine.journal.forget(request.query_params.get("key"))
            return {"cleared": True}
        query = request.query_params
        try:
            entries = engine.journal.entries(
                key=query.get("key"), method=query.get("method"), path=query.get("path"),
                status=int(query["status"]) if "status" in query else None,
                since=float(query["since"]) if "since" in query else None,
                prediction_id=query.get("prediction_id"), dialect=query.get("dialect"),
                limit=_count(query["limit"]) if "limit" in query else None)
        except ValueError as exc:
            raise InvalidRequest(f"Control API: bad filter ({exc})") from None
        return {"entries": [e.as_json() for e in entries], "capacity": engine.journal.capacity}

    async def violations(request: Request) -> Any:
        return {"strict": config.strict, "violations": [
            {"seq": e.seq, "at": e.at, "method": e.method, "path": e.path, "key": e.key,
             "violations": e.violations}
            for e in engine.journal.entries(key=request.query_params.get("key"))
            if e.violations]}

    async def behaviour(request: Request) -> Any:
        from fashn_mock.contract.behaviour import analyse

        query = request.query_params
        try:
            interval = float(query.get("min_poll_interval", "1"))
            if not 0 <= interval <= 86_400:
                raise ValueError(interval)
        except ValueError:
            raise InvalidRequest("min_poll_interval: expected seconds") from None
        entries = engine.journal.entries(key=query.get("key"))
        return analyse(entries, min_poll_interval=interval).as_json()

    async def faults(request: Request) -> Any:
        if request.method == "DELETE":
            engine.faults.forget()
            return {"faults": []}
        if request.method == "POST":
            values = await body(request)
            if not isinstance(values.get("error"), str):
                raise InvalidRequest("error: expected an error name, e.g. PoseError")
            times = values.get("times", 1)
            if not isinstance(times, int) or isinstance(times, bool):
                raise InvalidRequest("times: expected an integer")
            engine.fail_next(values["error"], model=values.get("model"), times=times,
                             key=values.get("key"))
        return {"faults": [rule.as_json() for rule in engine.faults.rules]}

    async def chaos(request: Request) -> Any:
        values = await body(request)
        if "network" in values:  # checked first: a refused profile changes nothing
            _check_profile(values["network"])
        result: dict[str, Any] = dict(engine.set_chaos(values.get("failure_rate"),
                                                       values.get("jitter")))
        if "network" in values:
            engine.network.set_chaos(values["network"])
        return {**result, "network": dict(engine.network.chaos)}

    async def network(request: Request) -> Any:
        if request.method == "DELETE":
            engine.network.forget(request.query_params.get("key"))
        elif request.method == "POST":
            values = await body(request)
            unknown = set(values) - NETWORK_RULE_FIELDS
            if unknown:
                raise InvalidRequest(f"network: unknown field(s) {sorted(unknown)}; known: "
                                     f"{sorted(NETWORK_RULE_FIELDS)}")
            if not isinstance(values.get("fault"), str):
                raise InvalidRequest("fault: expected a network fault, e.g. reset or "
                                     "delay=0.5", field="fault")
            engine.network.schedule(NetworkRule(**values))
        return engine.network.as_json()

    async def replay(request: Request) -> Any:
        """What replay loaded, played and missed (``cassettes.routes``)."""
        from fashn_mock.cassettes.routes import replay_report

        return replay_report(engine)

    async def effective_config(request: Request) -> Any:
        return engine.effective_config()

    webhooks = engine.webhooks

    async def webhook_attempts(request: Request) -> Any:
        query = request.query_params
        try:
            limit = _count(query["limit"]) if "limit" in query else None
        except ValueError:
            raise InvalidRequest("Control API: limit: expected a non-negative integer") from None
        key = query.get("key")
        attempts = webhooks.attempts(prediction_id=query.get("prediction_id"), key=key,
                                     limit=limit)
        return {"attempts": [a.as_json() for a in attempts], "pending": webhooks.pending(key),
                "capacity": webhooks.capacity}

    async def redeliver(request: Request) -> Any:
        return {"redelivering": webhooks.redeliver(request.path_params["id"]).as_json()}

    async def webhook_script(request: Request) -> Any:
        if request.method == "DELETE":
            webhooks.rules.forget()
        elif request.method == "POST":
            values = await body(request)
            script = build_script(values.get("duplicate", 0), values.get("delay", 0.0),
                                  values.get("reorder", False))
            webhooks.rules.add(ScriptRule(script, values.get("key"), values.get("times", 1)))
        return {"rules": webhooks.rules.as_json()}

    async def inbox(request: Request) -> Any:
        name = request.path_params["name"]
        if request.method == "DELETE":
            webhooks.inboxes.get(name)
            webhooks.inboxes.drop(name)
            return {"deleted": name}
        return webhooks.inboxes.get(name).as_json()

    async def inbox_fail(request: Request) -> Any:
        values = await body(request)
        box = webhooks.inboxes.get(request.path_params["name"])
        box.fail_next(values.get("times", 1), values.get("status", 500))
        return box.as_json()

    async def receive(request: Request) -> Response:
        """A webhook receiver: keeps what is POSTed (no token needed, so the emulator's
        own deliveries and any client can reach it; reading it needs the token)."""
        try:
            box = webhooks.inboxes.get(request.path_params["name"])
            raw = await read_body(request, INBOX_BODY_BYTES)
        except DomainError as error:
            return render(request, error)
        try:
            received: Any = safejson.loads(raw)
        except ValueError:  # not JSON (or beyond safejson's limits): keep the text
            received = raw.decode("utf-8", "replace")
        headers = {k: v for k, v in request.headers.items() if k not in SECRET_HEADERS}
        answer = box.receive(engine.clock.now(), headers, received, len(raw))
        return JSONResponse({"inbox": box.name, "accepted": answer < 300},
                            status_code=answer)

    table: list[tuple[str, Handler, list[str]]] = [
        ("/reset", reset, ["POST"]),
        ("/clock", clock, ["GET"]),
        ("/clock/advance", advance, ["POST"]),
        ("/clock/run-until-done", run_until_done, ["POST"]),
        ("/clock/freeze", freeze, ["POST"]),
        ("/clock/unfreeze", unfreeze, ["POST"]),
        ("/keys/{key}/credits", credits, ["GET", "PUT"]),
        ("/predictions", predictions, ["GET"]),
        ("/predictions/{id}", prediction, ["GET"]),
        ("/predictions/{id}/{outcome}", interrupt, ["POST"]),
        ("/journal", journal, ["GET", "DELETE"]),
        ("/faults", faults, ["GET", "POST", "DELETE"]),
        ("/violations", violations, ["GET"]),
        ("/behaviour", behaviour, ["GET"]),
        ("/chaos", chaos, ["PUT"]),
        ("/network", network, ["GET", "POST", "DELETE"]),
        ("/config", effective_config, ["GET"]),
        ("/replay", replay, ["GET"]),
        ("/webhooks", webhook_attempts, ["GET"]),
        ("/webhooks/script", webhook_script, ["GET", "POST", "DELETE"]),
        ("/webhooks/{id}/redeliver", redeliver, ["POST"]),
        ("/inbox/{name}", inbox, ["GET", "DELETE"]),
        ("/inbox/{name}/fail", inbox_fail, ["POST"]),
    ]
    return [*(Route(PREFIX + path, guarded(handler), methods=methods)
              for path, handler, methods in table),
            Route(PREFIX + "/inbox/{name}", receive, methods=["POST"])]


def _check_profile(value: Any) -> None:
    """A network chaos profile, or ``InvalidRequest`` saying what is wrong with it."""
    try:
        parse_profile(value)
    except ValueError as error:
        raise InvalidRequest(f"network: {error}", field="network") from None


def _count(text: str) -> int:
    """A non-negative integer query value (``ValueError`` otherwise)."""
    value = int(text)
    if value < 0:
        raise ValueError(f"{value} is negative")
    return value
