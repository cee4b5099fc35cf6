"""Network faults as plain data: what a request's connection suffers.

Three ways to ask, as for runtime faults: the ``X-Fashn-Mock-Network: <fault>``
request header, rules ("the next 2 ``/v1/status`` requests of key K are reset"),
and a seeded chaos profile (per-fault rates). A fault is written the same way
everywhere::

    delay=<seconds> | delay=<a>..<b> | delay=lognormal:<median>:<sigma>
    reset | empty | garbage | truncate | malformed | lost-response
    dribble=<seconds> (same duration forms as delay)

Durations are wall-clock seconds (a fault is about the socket, not the emulator's
clock). Everything random (chaos, uniform and log-normal durations, garbage bytes)
comes from one generator seeded with the engine's seed: the same seed and traffic
give the same faults. Nothing here touches a socket: ``faces.network`` does.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from fashn_mock.engine.errors import InvalidRequest

MAX_SECONDS = 300.0
"""The longest delay or dribble (wall seconds), whatever a draw says."""
DEFAULT_SECONDS = 1.0
"""``delay`` or ``dribble`` without a duration."""
MAX_SIGMA = 4.0
MAX_RULES = 1000
MAX_TIMES = 1_000_000
MAX_SPEC = 200
"""The longest fault text accepted (a header is hostile input)."""


@dataclass(frozen=True)
class Kind:
    name: str
    processed: bool
    """The request reaches the emulator (a run creates its prediction)."""
    timed: bool
    """Takes a duration (``delay``, ``dribble``)."""
    summary: str


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("delay", True, True, "processed at once; the answer is held for <seconds>"),
    Kind("reset", False, False, "not processed; the connection is reset (TCP RST)"),
    Kind("empty", False, False, "not processed; the connection closes with no bytes"),
    Kind("garbage", False, False, "not processed; random bytes that are not HTTP, "
                                  "then the connection closes"),
    Kind("truncate", True, False, "processed; the headers and half the body, then the "
                                  "connection closes"),
    Kind("malformed", True, False, "processed; a well-framed response whose body is cut "
                                   "in half (broken JSON)"),
    Kind("dribble", True, True, "processed; the body arrives in pieces spread over "
                                "<seconds>"),
    Kind("lost-response", True, False, "processed (a run creates and charges its "
                                       "prediction); the connection is reset before a "
                                       "byte of the answer"),
)}


@dataclass(frozen=True)
class Duration:
    """Fixed (``low == high``), uniform (``low < high``) or log-normal (``sigma``)."""

    low: float
    high: float
    sigma: float | None = None

    def draw(self, rng: random.Random) -> float:
        if self.sigma is not None:
            return min(MAX_SECONDS, rng.lognormvariate(math.log(self.low), self.sigma))
        return self.low if self.low == self.high else rng.uniform(self.low, self.high)


@dataclass(frozen=True)
class FaultSpec:
    """A fault as written, parsed (``parse_fault``)."""

    kind: Kind
    text: str
    duration: Duration | None = None


@dataclass(frozen=True)
class Fault:
    """One injected fault: what the connection of one request suffers."""

    kind: str
    spec: str
    source: str
    """``header``, ``rule`` or ``chaos``."""
    processed: bool
    seconds: float | None = None
    """The drawn duration of ``delay`` and ``dribble``."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(text: str) -> FaultSpec:
    """The fault ``text`` names; ``ValueError`` with the grammar when it names none."""
    if not isinstance(text, str) or len(text) > MAX_SPEC:
        raise ValueError("expected a fault name, e.g. reset or delay=0.5")
    name, _, argument = text.strip().partition("=")
    kind = KINDS.get(name.strip().lower())
    if kind is None:
        raise ValueError(f"unknown network fault {name.strip()[:40]!r}; known: "
                         + ", ".join(KINDS))
    if not kind.timed:
        if argument:
            raise ValueError(f"{kind.name} takes no value")
        return FaultSpec(kind, kind.name)
    argument = argument.strip()
    if not argument:
        return FaultSpec(kind, kind.name, Duration(DEFAULT_SECONDS, DEFAULT_SECONDS))
    return FaultSpec(kind, f"{kind.name}={argument}", _duration(argument))


def _duration(text: str) -> Duration:
    grammar = "<seconds>, <a>..<b> or lognormal:<median>:<sigma>"
    try:
        if text.startswith("lognormal:"):
            median, sigma = (_seconds(part) for part in text[10:].split(":"))
            if median <= 0 or not 0 < sigma <= MAX_SIGMA:
                raise ValueError
            return Duration(median, median, sigma)
        if ".." in text:
            low, high = (_seconds(part) for part in text.split(".."))
            if low > high:
                raise ValueError
            return Duration(low, high)
        seconds = _seconds(text)
        return Duration(seconds, seconds)
    except ValueError:
        raise ValueError(f"a duration is {grammar}, each within 0..{MAX_SECONDS:g} "
                         f"seconds (sigma within 0..{MAX_SIGMA:g}); got {text[:40]!r}") \
            from None


def _seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise ValueError(text)
    return value


def parse_profile(value: str | Mapping[str, Any]) -> dict[str, float]:
    """A chaos profile: fault -> rate, as a mapping or the text
    ``reset=0.05,delay=0.1,delay=0.2..1=0.02`` (each rate after the last ``=``).
    Rates are within 0..1 and add up to at most 1; ``ValueError`` otherwise."""
    if isinstance(value, str):
        pairs: list[tuple[str, Any]] = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            fault, sep, rate = item.rpartition("=")
            if not sep or not fault:
                raise ValueError(f"expected <fault>=<rate>, got {item[:60]!r}")
            try:
                pairs.append((fault, float(rate)))
            except ValueError:
                raise ValueError(f"{fault[:40]}: rate {rate[:20]!r} is not a number") \
                    from None
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise ValueError("expected an object of fault -> rate")
    if len(pairs) > len(KINDS) * 8:
        raise ValueError("too many faults in one chaos profile")
    profile: dict[str, float] = {}
    for fault, rate in pairs:
        spec = parse_fault(fault)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) \
                or not 0 <= rate <= 1:
            raise ValueError(f"{spec.text}: the rate must be a number within 0..1")
        if rate > 0:
            profile[spec.text] = profile.get(spec.text, 0.0) + float(rate)
    if sum(profile.values()) > 1 + 1e-9:
        raise ValueError("the rates add up to more than 1")
    return profile


@dataclass
class NetworkRule:
    """Break the connection of the next ``times`` requests that match (every given
    field must match; ``path`` is a prefix)."""

    fault: str
    path: str | None = None
    method: str | None = None
    dialect: str | None = None
    key: str | None = None
    model: str | None = None
    times: int = 1

    def matches(self, method: str, path: str, dialect: str, key: str | None) -> bool:
        """Everything but the model (which needs the body)."""
        return (self.times > 0 and (self.path is None or path.startswith(self.path))
                and self.method in (None, method) and self.dialect in (None, dialect)
                and self.key in (None, key))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def check_rule(rule: NetworkRule) -> None:
    """Normalise ``rule`` (its fault text, its method) or refuse it (``InvalidRequest``)."""
    try:
        rule.fault = parse_fault(rule.fault).text
    except ValueError as error:
        raise InvalidRequest(f"fault: {error}", field="fault") from None
    for name in ("path", "method", "dialect", "key", "model"):
        value = getattr(rule, name)
        if value is not None and (not isinstance(value, str) or len(value) > 1000):
            raise InvalidRequest(f"{name}: expected a string", field=name)
    if rule.method is not None:
        rule.method = rule.method.upper()
    if not isinstance(rule.times, int) or isinstance(rule.times, bool) \
            or not 1 <= rule.times <= MAX_TIMES:
        raise InvalidRequest(f"times: must be an integer within 1..{MAX_TIMES}",
                             field="times")


def full() -> InvalidRequest:
    return InvalidRequest(f"network: at most {MAX_RULES} rules may be pending", field="fault")


class NetworkPlan:
    """The network faults to inject: rules, a chaos profile and their seeded draws.

    ``active`` is a plain attribute so the hot path pays one lookup when nothing
    is scheduled.
    """

    def __init__(self, seed: int, chaos: Mapping[str, float] | str | None = None) -> None:
        self.rules: list[NetworkRule] = []
        self.chaos: dict[str, float] = {}
        self._specs: list[tuple[FaultSpec, float]] = []
        self._rng = random.Random(f"network:{seed}")
        self._lock = threading.Lock()
        self.active = False
        self.set_chaos(chaos or {})

    # --- steering ------------------------------------------------------------------
    def schedule(self, rule: NetworkRule) -> NetworkRule:
        check_rule(rule)
        with self._lock:
            if len(self.rules) >= MAX_RULES:
                raise full()
            self.rules.append(rule)
            self._refresh()
        return rule

    def set_chaos(self, profile: Mapping[str, Any] | str) -> dict[str, float]:
        """Replace the chaos profile (``parse_profile``); ``{}`` turns it off."""
        try:
            parsed = parse_profile(profile)
        except ValueError as error:
            raise InvalidRequest(f"network: {error}", field="network") from None
        with self._lock:
            self.chaos = parsed
            self._specs = [(parse_fault(text), rate) for text, rate in parsed.items()]
            self._refresh()
            return dict(self.chaos)

    def forget(self, key: str | None = None) -> None:
        """Drop every rule, or ``key``'s rules (the chaos profile stays)."""
        with self._lock:
            self.rules = [r for r in self.rules if key is not None and r.key != key]
            self._refresh()

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [r.as_json() for r in self.rules], "chaos": dict(self.chaos)}

    # --- drawing -------------------------------------------------------------------
    @property
    def wants_key(self) -> bool:
        return any(r.key is not None for r in self.rules)

    def wants_model(self, method: str, path: str, dialect: str, key: str | None) -> bool:
        """Whether a rule needs the request's model to decide (the body must be read)."""
        return any(r.model is not None and r.matches(method, path, dialect, key)
                   for r in self.rules)

    def take(self, method: str, path: str, dialect: str, key: str | None,
             model: str | None = None) -> Fault | None:
        """The fault of one request from rules (consuming one use), else from chaos."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path, dialect, key) and rule.model in (None, model):
                    rule.times -= 1
                    if rule.times == 0:
                        self.rules.remove(rule)
                        self._refresh()
                    return self._draw(parse_fault(rule.fault), "rule")
            chosen = chaos_pick(self._specs, self._rng)
            return None if chosen is None else self._draw(chosen, "chaos")

    def from_header(self, text: str) -> Fault:
        """The fault an ``X-Fashn-Mock-Network`` header asks for (``ValueError``)."""
        spec = parse_fault(text)
        with self._lock:
            return self._draw(spec, "header")

    def garbage(self) -> bytes:
        """Seeded bytes that no HTTP client reads as a status line: 16-64 bytes
        outside ASCII, then a blank line."""
        with self._lock:
            size = self._rng.randint(16, 64)
            return bytes(self._rng.randint(0x80, 0xFF) for _ in range(size)) + b"\r\n\r\n"

    def _draw(self, spec: FaultSpec, source: str) -> Fault:
        seconds = spec.duration.draw(self._rng) if spec.duration else None
        return Fault(spec.kind.name, spec.text, source, spec.kind.processed, seconds)

    def _refresh(self) -> None:
        self.active = bool(self.rules or self._specs)


def chaos_pick(specs: list[tuple[FaultSpec, float]], rng: random.Random) -> FaultSpec | None:
    """One draw of the chaos profile: the fault whose share of [0, 1) the roll lands in,
    or None (no draw at all when the profile is empty)."""
    if not specs:
        return None
    roll = rng.random()
    for spec, rate in specs:
        if roll < rate:
            return spec
        roll -= rate
    return None
