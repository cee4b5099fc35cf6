"""The steering operations, declared once: name, parameters and their types, and the
HTTP form. The Python view (``Steering``, so ``Emulator`` and the pytest handle),
the control API (``faces.control``, routes generated from this table) and the
``fashn-mock ctl`` commands (generated too) all follow it; a test checks that the
Python methods have exactly these names and parameters.

A parameter lives in the path, the query or the JSON body of its HTTP request; on
the command line path parameters and required ones are arguments, the others
``--options``. Every ``key`` parameter defaults to the view's key (none for the
``Emulator``: every key; the pytest handle's own key).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fashn_mock.clock import MAX_ADVANCE

Where = Literal["path", "query", "body"]
REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
"""The default of a parameter that must be given."""
MAX_TEXT = 1000


class Kind:
    """A parameter type: reads a JSON value or a text (query string, command line)
    and refuses anything else with ``ValueError`` (a one-line reason)."""

    metavar = "TEXT"

    def from_json(self, value: Any) -> Any:
        raise NotImplementedError

    def from_text(self, text: str) -> Any:
        return self.from_json(text)


class Text(Kind):
    def from_json(self, value: Any) -> str:
        if not isinstance(value, str) or not 0 < len(value) <= MAX_TEXT:
            raise ValueError(f"expected a string of 1..{MAX_TEXT} characters")
        return value


@dataclass(frozen=True)
class Integer(Kind):
    low: int
    high: int
    metavar = "INTEGER"

    def from_json(self, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) \
                or not self.low <= value <= self.high:
            raise ValueError(f"expected an integer within {self.low}..{self.high}")
        return value

    def from_text(self, text: str) -> int:
        if not re.fullmatch(r"[+-]?\d{1,20}", text.strip()):
            raise ValueError(f"expected an integer within {self.low}..{self.high}")
        return self.from_json(int(text))


@dataclass(frozen=True)
class Number(Kind):
    low: float
    high: float
    metavar = "NUMBER"

    def from_json(self, value: Any) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or not math.isfinite(value) or not self.low <= value <= self.high:
            raise ValueError(f"expected a number within {self.low:g}..{self.high:g}")
        return float(value)

    def from_text(self, text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"expected a number within {self.low:g}..{self.high:g}") \
                from None
        return self.from_json(number)


class Flag(Kind):
    metavar = "BOOLEAN"

    def from_json(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value

    def from_text(self, text: str) -> bool:
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError("expected true or false")
        return lowered in ("true", "1")


class Profile(Kind):
    """A network chaos profile: ``{"reset": 0.05}`` or ``"reset=0.05,delay=1=0.1"``."""

    metavar = "KIND=RATE,..."

    def from_json(self, value: Any) -> str | dict[str, Any]:
        if isinstance(value, str) and len(value) <= MAX_TEXT:
            return value
        if isinstance(value, Mapping) and len(value) <= 100:
            return dict(value)
        raise ValueError("expected a profile such as {\"reset\": 0.05} or "
                         "\"reset=0.05,delay=1=0.1\"")

    def from_text(self, text: str) -> str:
        return str(self.from_json(text))


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    default: Any = None
    where: Where = "body"
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    """Under ``/_mock``; ``{name}`` marks a path parameter."""
    params: tuple[Param, ...] = ()
    envelope: str | None = None
    """The JSON member holding a result that is a list or a plain value."""

    @property
    def command(self) -> str:
        """The ``fashn-mock ctl`` command: the name with dashes."""
        return self.name.replace("_", "-")

    def where(self, place: Where) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.where == place)


TEXT, FAULT_TIMES = Text(), Integer(1, 1_000_000)
CREDITS = Integer(0, 10**15)


def key(where: Where = "body", default: Any = None) -> Param:
    return Param("key", TEXT, default, where, "only this API key's (default: every key; "
                 "in Python, the view's key)")


def prediction_id() -> Param:
    return Param("prediction_id", TEXT, REQUIRED, "path", "a prediction id")


def inbox_name(default: Any = "default") -> Param:
    return Param("name", TEXT, default, "path", "the inbox name (1-64 of A-Z a-z 0-9 . _ -)")


def query(name: str, kind: Kind = TEXT, help: str = "", default: Any = None) -> Param:
    return Param(name, kind, default, "query", help)


OPERATIONS: tuple[Operation, ...] = (
    # --- the clock --------------------------------------------------------------------
    Operation("time", "GET", "/clock"),
    Operation("advance", "POST", "/clock/advance", (
        Param("seconds", Number(0, MAX_ADVANCE), REQUIRED, help="emulator seconds"),)),
    Operation("freeze", "POST", "/clock/freeze"),
    Operation("unfreeze", "POST", "/clock/unfreeze"),
    Operation("run_until_done", "POST", "/clock/run-until-done", (key(),)),
    # --- state and credits ------------------------------------------------------------
    Operation("reset", "POST", "/reset", (key(),)),
    Operation("credits", "GET", "/keys/{key}/credits", (key("path"),)),
    Operation("set_credits", "PUT", "/keys/{key}/credits", (
        Param("total", CREDITS, help="the whole balance, as on-demand credits"),
        Param("subscription", CREDITS, help="subscription credits"),
        Param("on_demand", CREDITS, help="on-demand credits"),
        key("path"))),
    # --- scripted failures and chaos --------------------------------------------------
    Operation("fail_next", "POST", "/faults", (
        Param("error", TEXT, REQUIRED, help="a runtime error (PoseError...) or a refusal "
              "(OutOfCredits...)"),
        Param("model", TEXT, help="only predictions of this model"),
        Param("times", FAULT_TIMES, 1, help="how many predictions"),
        key())),
    Operation("faults", "GET", "/faults", (key("query"),), envelope="faults"),
    Operation("clear_faults", "DELETE", "/faults", (key("query"),), envelope="faults"),
    Operation("chaos", "GET", "/chaos"),
    Operation("set_chaos", "PUT", "/chaos", (
        Param("failure_rate", Number(0, 1), help="share of predictions failing"),
        Param("jitter", Number(0, 1), help="vary durations by up to this fraction"),
        Param("network", Profile(), help="network faults per kind, e.g. reset=0.05"))),
    Operation("network_next", "POST", "/network", (
        Param("fault", TEXT, REQUIRED, help="reset, delay=0.5, lost-response..."),
        Param("path", TEXT, help="only requests whose path starts so"),
        Param("method", TEXT, help="only requests with this method"),
        Param("dialect", TEXT, help="only requests of this dialect"),
        Param("model", TEXT, help="only run requests of this model"),
        Param("times", FAULT_TIMES, 1, help="how many requests"),
        key())),
    Operation("network", "GET", "/network", (key("query"),)),
    Operation("clear_network", "DELETE", "/network", (key("query"),)),
    # --- predictions ------------------------------------------------------------------
    Operation("predictions", "GET", "/predictions", (
        key("query"), query("model"), query("status"), query("dialect")),
        envelope="predictions"),
    Operation("prediction", "GET", "/predictions/{prediction_id}", (prediction_id(),)),
    Operation("cancel", "POST", "/predictions/{prediction_id}/cancel", (prediction_id(),)),
    Operation("time_out", "POST", "/predictions/{prediction_id}/time_out",
              (prediction_id(),)),
    # --- the request journal and what it shows ----------------------------------------
    Operation("journal", "GET", "/journal", (
        key("query"), query("method"), query("path", help="a path prefix"),
        query("status", Integer(100, 599)), query("since", Number(0, 1e12)),
        query("prediction_id"), query("dialect"),
        query("limit", Integer(0, 1_000_000), "only the last LIMIT entries"))),
    Operation("clear_journal", "DELETE", "/journal", (key("query"),)),
    Operation("violations", "GET", "/violations", (key("query"),)),
    Operation("behaviour", "GET", "/behaviour", (
        key("query"), query("min_poll_interval", Number(0, 86_400),
                            "the politest polling interval, seconds", 1.0))),
    Operation("effective_config", "GET", "/config"),
    Operation("replay", "GET", "/replay"),
    # --- webhooks ---------------------------------------------------------------------
    Operation("webhooks", "GET", "/webhooks", (
        query("prediction_id"), key("query"),
        query("limit", Integer(0, 1_000_000), "only the last LIMIT attempts"))),
    Operation("redeliver", "POST", "/webhooks/{prediction_id}/redeliver",
              (prediction_id(),)),
    Operation("script_webhook", "POST", "/webhooks/script", (
        Param("duplicate", Integer(0, 10), 0, help="extra copies of each webhook"),
        Param("delay", Number(0, 86_400), 0.0, help="emulator seconds before sending"),
        Param("reorder", Flag(), False, help="send it after the key's next webhook"),
        Param("times", FAULT_TIMES, 1, help="how many webhooks"),
        key())),
    Operation("webhook_scripts", "GET", "/webhooks/script", (key("query"),),
              envelope="rules"),
    Operation("clear_webhook_scripts", "DELETE", "/webhooks/script", (key("query"),),
              envelope="rules"),
    Operation("wait_for_webhooks", "POST", "/webhooks/wait", (
        Param("timeout", Number(0, 60), 15.0, help="wall seconds to wait at most"),),
        envelope="idle"),
    Operation("inbox", "GET", "/inbox/{name}", (inbox_name(),)),
    Operation("drop_inbox", "DELETE", "/inbox/{name}", (inbox_name(REQUIRED),)),
    Operation("fail_inbox", "POST", "/inbox/{name}/fail", (
        inbox_name(),
        Param("times", Integer(1, 1000), 1, help="how many deliveries"),
        Param("status", Integer(300, 599), 500, help="the HTTP status to answer"))),
    Operation("webhook_url", "GET", "/inbox/{name}/url", (inbox_name(),), envelope="url"),
)
BY_NAME: dict[str, Operation] = {operation.name: operation for operation in OPERATIONS}


def to_json(result: Any, envelope: str | None = None) -> Any:
    """The JSON body of an operation's result: records by their ``as_json()``, lists
    and plain values under ``envelope``, nothing as ``{"ok": true}``."""
    if result is None:
        return {"ok": True}
    as_json = getattr(result, "as_json", None)
    if callable(as_json):
        return as_json()
    if isinstance(result, list | tuple):
        items = [to_json(item) for item in result]
        return {envelope: items} if envelope else items
    return {envelope: result} if envelope else result
