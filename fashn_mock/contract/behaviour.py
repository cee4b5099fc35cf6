"""Client-behaviour report: what a client did that the real API would punish.

``analyse(entries)`` reads journal entries (dicts or objects with ``method``,
``path``, ``key``, ``status``, ``at`` (emulator-clock seconds) and
``response_headers``; optionally ``prediction_status``) and reports:

- polling one prediction faster than ``min_poll_interval``;
- retrying a route before the ``Retry-After`` of its 429 had passed;
- polling a prediction again and again after it reached a terminal status;
- requests without a Bearer ``Authorization`` header;
- polling hard a prediction whose run registered a ``webhook_url`` (the webhook
  makes polling unnecessary; an occasional fallback poll is fine): run entries
  should carry ``query`` and ``prediction_id`` for it;
- how the client reacted to each injected network fault (``network``: retried,
  resubmitted, or not), and a ``double-submit`` finding when it submitted the same
  inputs again after a run whose answer it never read although the prediction was
  made (a possible double charge).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from fashn_mock.contract.components import TERMINAL
from fashn_mock.contract.target import retry_after_seconds

STATUS_PREFIX = "/v1/status/"
CREDITS_USED = "x-fashn-credits-used"
UNREAD = ("lost-response", "truncate", "malformed")
"""Network faults after which the client could not read a processed answer (so too
``delay`` and ``dribble`` when the client left before the end)."""


@dataclass(frozen=True)
class Finding:
    kind: str
    """``fast-polling``, ``early-retry``, ``terminal-polling``, ``webhook-polling``,
    ``missing-auth`` or ``double-submit``."""
    key: str | None
    message: str
    at: float
    """When it (first) happened, emulator-clock seconds."""
    count: int = 1

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Reaction:
    """What the client did after one injected network fault."""

    fault: str
    """The fault as written (``reset``, ``delay=0.5``...)."""
    method: str
    path: str
    key: str | None
    at: float
    reaction: str
    """``retried`` (the same request again), ``resubmitted`` (a run made a second
    prediction from the same inputs) or ``did-not-retry``."""
    after: float | None = None
    """Emulator-clock seconds until the retry."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BehaviourReport:
    requests: int
    findings: list[Finding] = field(default_factory=list)
    network: list[Reaction] = field(default_factory=list)
    """The client's reaction to each injected network fault (not findings by
    themselves: retrying a reset is right; resubmitting a lost run is a finding)."""

    @property
    def ok(self) -> bool:
        return not self.findings

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def render(self) -> str:
        if self.ok:
            lines = [f"client behaviour: {self.requests} requests, nothing to report"]
        else:
            lines = [f"client behaviour: {self.requests} requests, "
                     f"{len(self.findings)} finding(s)"]
            lines += [f"- [{f.kind}] {f.message}" for f in self.findings]
        if self.network:
            lines.append(f"network faults: {len(self.network)}")
            lines += [f"- {r.fault} on {r.method} {r.path}: {r.reaction}"
                      + (f" after {r.after:.3f} s" if r.after is not None else "")
                      for r in self.network]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "findings": [f.as_json() for f in self.findings],
                "network": [r.as_json() for r in self.network]}


@dataclass(frozen=True)
class _Entry:
    method: str
    path: str
    key: str | None
    status: int
    at: float
    headers: dict[str, str]
    prediction_status: str | None
    fault: dict[str, Any] | None = None
    body: Any = None
    prediction_id: str | None = None
    query: dict[str, str] = field(default_factory=dict)

    @property
    def unread(self) -> bool:
        """A processed answer the client never read in full (network fault)."""
        return self.fault is not None and (self.fault.get("kind") in UNREAD
                                           or bool(self.fault.get("client_left")))

    @property
    def route(self) -> str:
        return "/v1/status" if self.path.startswith(STATUS_PREFIX) else self.path

    @property
    def terminal(self) -> bool:
        if self.prediction_status is not None:
            return self.prediction_status in TERMINAL
        return CREDITS_USED in self.headers  # sent on the completed status only


def _read(entry: Any) -> _Entry:
    def get(name: str, default: Any = None) -> Any:
        return entry.get(name, default) if isinstance(entry, dict) \
            else getattr(entry, name, default)

    headers = {str(k).lower(): str(v) for k, v in (get("response_headers") or {}).items()}
    fault = get("network_fault")
    query = get("query")
    prediction_id = get("prediction_id")
    return _Entry(str(get("method", "")).upper(), str(get("path", "")), get("key") or None,
                  int(get("status", 0) or 0), float(get("at", 0.0)), headers,
                  get("prediction_status"), fault if isinstance(fault, dict) else None,
                  get("body"), prediction_id if isinstance(prediction_id, str) else None,
                  {str(k): str(v) for k, v in query.items()} if isinstance(query, dict) else {})


def analyse(entries: Iterable[Any], *, min_poll_interval: float = 1.0,
            terminal_polls_allowed: int = 1, retry_window: float = 300.0,
            webhook_poll_interval: float = 10.0,
            webhook_polls_allowed: int = 2) -> BehaviourReport:
    """The behaviour report of a client's requests (oldest first, any order accepted).
    A request counts as the retry of a faulted one within ``retry_window`` seconds. A
    prediction with a webhook may be polled ``webhook_polls_allowed`` times less than
    ``webhook_poll_interval`` seconds after the run or the previous poll."""
    read = sorted((_read(e) for e in entries), key=lambda e: e.at)
    report = BehaviourReport(len(read))
    report.findings += _fast_polling(read, min_poll_interval)
    report.findings += _early_retries(read)
    report.findings += _terminal_polling(read, terminal_polls_allowed)
    report.findings += _webhook_polling(read, webhook_poll_interval, webhook_polls_allowed)
    report.findings += _missing_auth(read)
    report.network, resubmitted = _reactions(read, retry_window)
    report.findings += resubmitted
    report.findings.sort(key=lambda f: f.at)
    return report


def _polls(entries: list[_Entry]) -> dict[tuple[str | None, str], list[_Entry]]:
    polls: dict[tuple[str | None, str], list[_Entry]] = defaultdict(list)
    for entry in entries:
        if entry.method == "GET" and entry.path.startswith(STATUS_PREFIX) \
                and entry.fault is None:  # a poll after a network fault is a retry
            polls[(entry.key, entry.path.removeprefix(STATUS_PREFIX))].append(entry)
    return polls


def _fast_polling(entries: list[_Entry], interval: float) -> list[Finding]:
    found = []
    for (key, prediction_id), polls in _polls(entries).items():
        gaps = [(b.at - a.at, b) for a, b in itertools.pairwise(polls)
                if b.at - a.at < interval]
        if gaps:
            shortest = min(gap for gap, _ in gaps)
            found.append(Finding(
                "fast-polling", key,
                f"polled {prediction_id} {len(gaps)} time(s) less than {interval:g} s after "
                f"the previous poll (shortest gap {shortest:.3f} s)", gaps[0][1].at,
                len(gaps)))
    return found


def _early_retries(entries: list[_Entry]) -> list[Finding]:
    found = []
    for index, entry in enumerate(entries):
        wait = retry_after_seconds(entry.headers.get("retry-after"))
        if entry.status != 429 or wait is None:
            continue
        allowed_at = entry.at + wait
        for later in entries[index + 1:]:
            if later.at >= allowed_at:
                break
            if later.key == entry.key and later.route == entry.route:
                found.append(Finding(
                    "early-retry", entry.key,
                    f"{later.method} {later.path} {later.at - entry.at:.3f} s after a 429 "
                    f"that said Retry-After: {entry.headers['retry-after']}", later.at))
                break
    return found


def _terminal_polling(entries: list[_Entry], allowed: int) -> list[Finding]:
    found = []
    for (key, prediction_id), polls in _polls(entries).items():
        first = next((i for i, p in enumerate(polls) if p.status == 200 and p.terminal), None)
        if first is None:
            continue
        extra = polls[first + 1:]
        if len(extra) > allowed:
            found.append(Finding(
                "terminal-polling", key,
                f"polled {prediction_id} {len(extra)} more time(s) after it was already "
                f"{polls[first].prediction_status or 'completed'}", extra[allowed].at,
                len(extra)))
    return found


def _webhook_polling(entries: list[_Entry], interval: float, allowed: int) -> list[Finding]:
    registered = {(e.key, e.prediction_id): e.at for e in entries
                  if e.method == "POST" and e.path == "/v1/run" and e.status == 200
                  and e.prediction_id and e.query.get("webhook_url")}
    found = []
    for (key, prediction_id), polls in _polls(entries).items():
        run_at = registered.get((key, prediction_id))
        if run_at is None:
            continue
        instants = [run_at, *(p.at for p in polls)]
        hard = [(b - a, poll) for a, b, poll in zip(instants, instants[1:], polls,
                                                    strict=False) if b - a < interval]
        if len(hard) > allowed:
            shortest = min(gap for gap, _ in hard)
            found.append(Finding(
                "webhook-polling", key,
                f"registered a webhook for {prediction_id} and still polled it {len(polls)} "
                f"time(s), {len(hard)} less than {interval:g} s apart (shortest gap "
                f"{shortest:.3f} s): let the webhook tell you, or poll rarely as a fallback",
                hard[allowed][1].at, len(hard)))
    return found


def _missing_auth(entries: list[_Entry]) -> list[Finding]:
    missing = [e for e in entries if e.key is None and e.path.startswith("/v1/")]
    if not missing:
        return []
    first = missing[0]
    return [Finding("missing-auth", None,
                    f"{len(missing)} request(s) without a Bearer Authorization header "
                    f"(first: {first.method} {first.path})", first.at, len(missing))]


def _reactions(entries: list[_Entry], window: float) -> tuple[list[Reaction], list[Finding]]:
    """Each network fault and what followed it; resubmitted runs are findings."""
    reactions, found = [], []
    for index, entry in enumerate(entries):
        if entry.fault is None:
            continue
        spec = str(entry.fault.get("spec") or entry.fault.get("kind"))
        retry = next((later for later in entries[index + 1:]
                      if later.at - entry.at <= window and later.key == entry.key
                      and later.method == entry.method and later.path == entry.path), None)
        if retry is None:
            reactions.append(Reaction(spec, entry.method, entry.path, entry.key, entry.at,
                                      "did-not-retry"))
            continue
        after = retry.at - entry.at
        twice = (entry.unread and entry.prediction_id is not None
                 and retry.prediction_id not in (None, entry.prediction_id)
                 and entry.body is not None and retry.body == entry.body)
        reactions.append(Reaction(spec, entry.method, entry.path, entry.key, entry.at,
                                  "resubmitted" if twice else "retried", after))
        if twice:
            found.append(Finding(
                "double-submit", entry.key,
                f"{entry.method} {entry.path}: the answer naming prediction "
                f"{entry.prediction_id} was never read ({spec}) and the same inputs were "
                f"sent again {after:.3f} s later, making prediction {retry.prediction_id}: "
                f"2 predictions, each charged when it completes (a possible double "
                f"charge; look the first one up before resubmitting)", retry.at))
    return reactions, found
