"""Scripted webhook faults, for receivers' sake: duplicates, a delay, out-of-order delivery.

The FASHN docs warn that duplicates happen (docs/api-facts.md#webhooks), so a
receiver must be idempotent; these faults let a test prove it. Three ways to ask:

- the ``X-Fashn-Mock-Webhook`` header on ``POST /v1/run``;
- a ``fashn-mock-webhook=...`` marker inside any input string (for clients that
  cannot add headers), e.g. ``https://example.com/m.jpg#fashn-mock-webhook=duplicate``;
- a rule for the next N webhooks (of a key) through the control or Python API
  (``script_webhook``); a header or marker wins over a rule.

Grammar: items separated by ``,`` (or ``+``, handier in markers), each ``name`` or
``name=value`` (``name:value`` too):

- ``duplicate`` / ``duplicate=N``: N more copies (default 1, at most 10) of the first
  delivery, sent right after it;
- ``delay=S``: the first attempt S emulator seconds after the prediction finished
  (S is not multiplied by ``--time-scale``);
- ``reorder``: held back until the key's next webhook has been sent (at most
  ``REORDER_LIMIT`` emulator seconds), so two predictions arrive out of order.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from fashn_mock.engine.errors import InvalidRequest

HEADER = "x-fashn-mock-webhook"
MARKER = re.compile(r"fashn-mock-webhook=([A-Za-z0-9_.:=+,-]+)")
SEPARATORS = re.compile(r"[,+;\s]+")
MAX_DUPLICATES = 10
MAX_DELAY = 86_400.0
MAX_RULES = 1000
MAX_TIMES = 1_000_000
MAX_TEXT = 200
REORDER_LIMIT = 300.0
"""Emulator seconds a ``reorder`` delivery waits for another one at most."""


@dataclass(frozen=True)
class Script:
    """What to do to one prediction's webhook (nothing, by default)."""

    duplicate: int = 0
    delay: float = 0.0
    reorder: bool = False

    def __bool__(self) -> bool:
        return bool(self.duplicate or self.delay or self.reorder)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def build(duplicate: object = 0, delay: object = 0.0, reorder: object = False) -> Script:
    """A ``Script`` from loose values (JSON, Python), or ``InvalidRequest`` naming the field."""
    if not isinstance(duplicate, int) or isinstance(duplicate, bool) \
            or not 0 <= duplicate <= MAX_DUPLICATES:
        raise InvalidRequest(f"duplicate: expected an integer within 0..{MAX_DUPLICATES}",
                             field="duplicate")
    if not isinstance(delay, int | float) or isinstance(delay, bool) \
            or not math.isfinite(delay) or not 0 <= delay <= MAX_DELAY:
        raise InvalidRequest(f"delay: expected seconds within 0..{MAX_DELAY:.0f}",
                             field="delay")
    if not isinstance(reorder, bool):
        raise InvalidRequest("reorder: expected true or false", field="reorder")
    return Script(duplicate, float(delay), reorder)


def parse(text: str, *, field: str = "X-Fashn-Mock-Webhook") -> Script:
    """The script in a header value or marker, e.g. ``duplicate=2,delay=30``."""
    if len(text) > MAX_TEXT:
        raise InvalidRequest(f"{field}: longer than {MAX_TEXT} characters", field=field)
    values: dict[str, Any] = {}
    for item in SEPARATORS.split(text.strip()):
        if not item:
            continue
        name, sep, value = item.replace(":", "=").partition("=")
        name = name.lower()
        if name not in ("duplicate", "delay", "reorder") or name in values:
            raise InvalidRequest(
                f"{field}: {item!r} is not understood; use duplicate[=N], delay=S or "
                "reorder, separated by commas", field=field)
        values[name] = _value(name, value if sep else None, field)
    try:
        return build(**values)
    except InvalidRequest as error:
        raise InvalidRequest(f"{field}: {error.message}", field=field) from None


def _value(name: str, value: str | None, field: str) -> object:
    if name == "reorder":
        if value not in (None, "1", "true"):
            raise InvalidRequest(f"{field}: reorder takes no value", field=field)
        return True
    if name == "duplicate" and value is None:
        return 1
    try:
        return int(value or "") if name == "duplicate" else float(value or "")
    except ValueError:
        raise InvalidRequest(f"{field}: {name}={value!r} is not a number",
                             field=field) from None


def marker_in(text: str) -> Script | None:
    """The script of the first ``fashn-mock-webhook=...`` marker in ``text``."""
    found = MARKER.search(text)
    return parse(found.group(1), field="fashn-mock-webhook marker") if found else None


def requested(header: str | None, inputs_json: str) -> Script:
    """The script a run asked for: its header, else a marker in its inputs."""
    if header is not None:
        return parse(header)
    return marker_in(inputs_json) or Script()


@dataclass
class Rule:
    """Apply ``script`` to the next ``times`` webhooks (of ``key``)."""

    script: Script
    key: str | None = None
    times: int = 1

    def as_json(self) -> dict[str, Any]:
        return {**self.script.as_json(), "key": self.key, "times": self.times}


class Rules:
    """Pending scripted-webhook rules, consumed in order."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()

    def add(self, rule: Rule) -> Rule:
        if not isinstance(rule.times, int) or isinstance(rule.times, bool) \
                or not 1 <= rule.times <= MAX_TIMES:
            raise InvalidRequest(f"times: expected an integer within 1..{MAX_TIMES}",
                                 field="times")
        if rule.key is not None and not isinstance(rule.key, str):
            raise InvalidRequest("key: expected an API key or null", field="key")
        if not rule.script:
            raise InvalidRequest("script_webhook: ask for duplicate, delay or reorder",
                                 field="duplicate")
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise InvalidRequest(f"at most {MAX_RULES} webhook rules may be pending",
                                     field="times")
            self._rules.append(rule)
        return rule

    def take(self, key: str) -> Script | None:
        """Consume one use of the first rule for ``key``."""
        with self._lock:
            for rule in self._rules:
                if rule.key in (None, key):
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                    return rule.script
        return None

    def forget(self, key: str | None = None) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if key is not None and r.key != key]

    def pending(self, key: str | None = None) -> list[Rule]:
        """Copies of the pending rules (those made for ``key``), in order."""
        with self._lock:
            return [replace(rule) for rule in self._rules if key is None or rule.key == key]

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]
