"""The SSE suite (Concurred): subscribe streams read with a real HTTP client, checked
against the contract: every event against the response's ``itemSchema`` and its
JSON against the event's schema, the stream against ``x-fashn-mock-event-order``
(``contract.streams``), then what the events say against what was sent (prediction
id, model, outputs, outcome) and against the status route.

A stream is read on a helper thread, bounded in bytes and wall time. Where the
emulator's clock can be moved, the suite moves it (150 s at a time, past the
stream's 120 s timeout) until the stream ends: the stream reports every status the
prediction passed through, so the events do not depend on how fast anything ran
(nor on how many moves it took).
Elsewhere the stream runs in real time. Every stream creates a prediction, so
against a real gateway the suite needs ``--budget`` (bodies that cannot load are
sent first: they fail, for free); invalid bodies, which create nothing, always run.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

from fashn_mock.contract.context import Context
from fashn_mock.contract.dialects import Call
from fashn_mock.contract.report import SuiteResult
from fashn_mock.contract.samples import Template, tiny_png
from fashn_mock.contract.streams import Event, parse
from fashn_mock.contract.target import retry_after_seconds

MAX_BYTES = 1024 * 1024
"""Bytes read from one stream before giving up on it."""
STREAM_SECONDS = 180.0
"""Wall seconds one stream may take (its documented timeout is 120 s)."""
ADVANCE = 150.0
"""Emulator seconds moved per round: past the stream's timeout."""
POLL = 0.05
"""Wall seconds between two moves of the emulator's clock while a stream is open."""
RETRIES = 3
"""429s waited out per stream."""


@dataclass
class Case:
    """One stream to open and what must end it: ``completed``, ``failed`` or ``error``."""

    template: Template
    outcome: str


@dataclass
class Read:
    """What one subscribe request gave: the answer (content kept) and its events."""

    response: httpx.Response | None = None
    events: list[Event] = field(default_factory=list)
    problem: str | None = None


def cases(ctx: Context) -> list[Case]:
    """The streams to open: the dialect's templates (and, where the clock can be moved
    and predictions take time, one longer than the stream's timeout)."""
    target = ctx.sender.target
    found = [Case(t, "failed" if t.must_fail else "completed")
             for t in ctx.dialect.templates() if target.is_emulator or not t.emulator_only]
    found.sort(key=lambda case: case.outcome != "failed")  # free ones first
    if target.clock_control and _time_scale(ctx) > 0:
        found.append(Case(Template("image-to-video (longer than the stream's timeout)", {
            "model_name": "image-to-video", "inputs": {"image": tiny_png(), "duration": 10,
                                                       "resolution": "1080p"}},
            emulator_only=True), "error"))
    return found


def _time_scale(ctx: Context) -> float:
    """The emulator's time scale (0 when unknown: every prediction then ends at once)."""
    response = ctx.sender.send("GET", "/_mock/config", key=None)
    try:
        scale = response.json().get("time_scale")
    except (ValueError, AttributeError):
        return 0.0
    return float(scale) if isinstance(scale, int | float) else 0.0


def run_sse(ctx: Context) -> SuiteResult:
    suite = SuiteResult("sse", "subscribe streams read with a real client, checked event "
                               "by event and in order against the contract")
    suite.checked = ["200 text/event-stream with the documented headers",
                     "each event conforms (itemSchema, the event's schema)",
                     "order: job_submitted, ascending status_update, one outcome, [DONE]",
                     "prediction id and model as submitted", "outputs = num_images/num_samples",
                     "the outcome matches the template and the status route",
                     "invalid bodies are refused with 400 before any stream"]
    started, before = time.perf_counter(), ctx.sender.requests
    _refusals(ctx, suite)
    if ctx.free_only:
        suite.notes.append("streams need --budget: each creates a prediction")
    else:
        for case in cases(ctx):
            _stream_case(ctx, suite, case)
    suite.requests = ctx.sender.requests - before
    suite.seconds = time.perf_counter() - started
    return suite


def _refusals(ctx: Context, suite: SuiteResult) -> None:
    dialect = ctx.dialect
    for label, body in (("an unknown model", {"model_name": "tryon-v0.0", "inputs": {}}),
                        ("no inputs", {"model_name": "background-remove"}),
                        ("a JSON array", [1])):
        response = ctx.sender.call(dialect.subscribe_call(body))
        suite.cases += 1
        problems = dialect.document.check_response("POST", response.request.url.path,
                                                   response.status_code, response.headers,
                                                   response.content)
        if response.status_code != 400:
            problems.insert(0, f"expected HTTP 400, got {response.status_code}")
        for problem in problems:
            suite.fail(ctx.failure(f"subscribe with {label} -> 400", problem, response))


def _stream_case(ctx: Context, suite: SuiteResult, case: Case) -> None:
    dialect, pricing = ctx.dialect, ctx.dialect.pricing
    price = 0 if case.outcome == "failed" else (pricing.cost(case.template.body) or 0)
    if not ctx.budget.reserve(price):
        suite.skipped["stream over budget"] += 1
        return
    read = follow(ctx, dialect.subscribe_call(case.template.body))
    suite.cases += 1
    response = read.response
    check = f"subscribe {case.template.label}"
    if response is None or response.status_code != 200:
        ctx.budget.release(price)
        status = response.status_code if response is not None else "no answer"
        suite.fail(ctx.failure(f"{check}: accepted (200)", read.problem or f"HTTP {status}",
                               response))
        return
    if read.problem:
        suite.fail(ctx.failure(f"{check}: the stream ends", read.problem, response))
    for problem in dialect.document.check_response("POST", response.request.url.path, 200,
                                                   response.headers, response.content):
        suite.fail(ctx.failure(f"{check}: conforms to the contract", problem, response))
    for problem in _meaning(ctx, case, read.events):
        suite.fail(ctx.failure(f"{check}: events say what happened", problem, response))


def _meaning(ctx: Context, case: Case, events: list[Event]) -> list[str]:
    """What the events say against what was sent, and against the status route."""
    payloads = [p for p in (e.json() for e in events) if isinstance(p, dict)]
    if not payloads:
        return []
    first, last = payloads[0], payloads[-1]
    problems = []
    model = case.template.body.get("model_name")
    if first.get("type") == "job_submitted" and first.get("model_name") != model:
        problems.append(f"job_submitted names model {first.get('model_name')!r}, "
                        f"submitted {model!r}")
    pid = first.get("prediction_id")
    if isinstance(pid, str):
        ctx.created.append(pid)
    outcome = last.get("type")
    if outcome != case.outcome:
        problems.append(f"{case.template.label}: ended with {outcome!r} "
                        f"({last.get('error')}), expected {case.outcome!r}")
    expected = ctx.dialect.expected_outputs(case.template.body)
    output = last.get("output")
    if outcome == "completed" and (not isinstance(output, list) or len(output) != expected):
        count = len(output) if isinstance(output, list) else output
        problems.append(f"completed with {count} outputs, expected {expected}")
    if isinstance(pid, str) and outcome in ("completed", "failed"):
        reading = ctx.dialect.read_status(ctx.sender.call(ctx.dialect.status_call(pid)))
        if reading.status != last.get("status"):
            problems.append(f"the stream ended {last.get('status')!r}, the status route "
                            f"says {reading.status!r}")
    return problems


def follow(ctx: Context, call: Call) -> Read:
    """Open one stream and read it to its end (bounded), moving the emulator's clock
    while it runs where that is possible; 429s are waited out."""
    sender = ctx.sender
    for _ in range(RETRIES + 1):
        read = Read()
        reader = threading.Thread(target=_read, args=(ctx, call, read), daemon=True)
        reader.start()
        if sender.target.clock_control:  # until the stream ends (at once, usually)
            deadline = time.monotonic() + STREAM_SECONDS
            while reader.is_alive() and time.monotonic() < deadline:
                reader.join(POLL)
                if reader.is_alive():
                    sender.pause(ADVANCE)
        reader.join(STREAM_SECONDS + 5)
        response = read.response
        if reader.is_alive():
            read.problem = f"the stream did not end within {STREAM_SECONDS:g} s"
            return read
        if response is None or response.status_code != 429:
            return read
        wait = retry_after_seconds(response.headers.get("retry-after"))
        if wait is None or wait > sender.max_wait:
            return read
        sender.pause(wait)
    return read


def _read(ctx: Context, call: Call, into: Read) -> None:
    """The request, on a helper thread: the answer with its content, and the events."""
    sender, target = ctx.sender, ctx.sender.target
    headers = sender.auth(target.api_key)
    deadline = time.monotonic() + STREAM_SECONDS
    kept = bytearray()
    try:
        with sender.client.stream(call.method, target.base_path + call.path,
                                  headers=headers, timeout=httpx.Timeout(
                                      target.timeout, read=STREAM_SECONDS),
                                  **call.kwargs()) as response:
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) > MAX_BYTES:
                    into.problem = f"the stream sent more than {MAX_BYTES} bytes"
                    break
                if time.monotonic() > deadline:
                    into.problem = f"the stream did not end within {STREAM_SECONDS:g} s"
                    break
    except httpx.TransportError as exc:
        into.problem = f"the connection failed: {type(exc).__name__}: {exc}"
        return
    finally:
        sender.count()
    into.response = httpx.Response(response.status_code, headers=response.headers,
                                   content=bytes(kept), request=response.request)
    if response.status_code == 200:
        into.events = parse(bytes(kept).decode("utf-8", "replace"))


__all__ = ["Case", "cases", "follow", "run_sse"]
