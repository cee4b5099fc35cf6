"""A Hypothesis state machine over the asynchronous lifecycle, against any base URL.

Rules submit predictions, poll them (as their owner and as another key), let
time pass and read the balance. Checked throughout: responses conform to the
contract; statuses only move forward and terminal ones never change; a completed
prediction has one output per requested image; ids are unique; another key never
sees my predictions; every 429 carries a usable Retry-After (and, where the
emulator's clock can be moved, a retry after that long is not refused again).
At the end every prediction is driven to a terminal status and the balance must
have dropped by exactly the price of the completed ones: charged once, never for
failures. Failures are recorded, not raised, so no example is replayed (credits).
"""

from __future__ import annotations

import base64
import io
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from fashn_mock.contract.budget import UNLOADABLE_IMAGE, cost, spec_and_inputs
from fashn_mock.contract.context import Context
from fashn_mock.contract.document import check_response
from fashn_mock.contract.report import SuiteResult
from fashn_mock.contract.target import INVALID_KEY, retry_after_seconds

ORDER = {"starting": 0, "in_queue": 1, "processing": 2}
TERMINAL = ("completed", "failed", "canceled", "time_out")
STEPS = 20
MAX_RETRY_AFTER = 3600
HISTORY = 8
SETTLE_ROUNDS = 6
"""On an emulator, settle by moving its clock 600 s at a time, at most this often."""


@cache
def tiny_png(colour: tuple[int, int, int] = (40, 120, 200)) -> str:
    """A real 64x96 PNG as a data URI: loads on any API, costs nothing to send."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 96), colour).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True)
class Template:
    label: str
    body: dict[str, Any]
    must_fail: bool = False
    emulator_only: bool = False


def templates() -> list[Template]:
    image = tiny_png()
    return [
        Template("background-remove", {"model_name": "background-remove",
                                       "inputs": {"image": image}}),
        Template("tryon-v1.6 x2", {"model_name": "tryon-v1.6", "inputs": {
            "model_image": image, "garment_image": tiny_png((200, 40, 40)),
            "num_samples": 2, "mode": "performance"}}),
        Template("edit x2", {"model_name": "edit", "inputs": {
            "image": image, "prompt": "make it red", "num_images": 2,
            "generation_mode": "fast"}}),
        Template("unloadable image", {"model_name": "background-remove",
                                      "inputs": {"image": UNLOADABLE_IMAGE}}, must_fail=True),
        Template("scripted PoseError", {"model_name": "tryon-v1.6", "inputs": {
            "model_image": "https://example.com/m.jpg#fashn-mock-error=PoseError",
            "garment_image": "https://example.com/g.jpg"}}, must_fail=True,
            emulator_only=True),
    ]


@dataclass
class Tracked:
    id: str
    template: Template
    price: int
    outputs: int
    order: int = 0
    terminal: dict[str, Any] | None = None
    polls_after_terminal: int = 0


@dataclass
class Run:
    """One example's state: its keys, predictions and starting balance."""

    key: str
    other_key: str
    start: int | None = None
    predictions: list[Tracked] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    history: list[str] = field(default_factory=list)


def expected_outputs(body: dict[str, Any]) -> int:
    found = spec_and_inputs(body)
    if found is None:
        return 0
    spec, inputs = found
    if spec.output_kind == "video":
        return 1
    return int(inputs.get("num_images", inputs.get("num_samples", 1)))


def run_lifecycle(ctx: Context, *, steps: int = STEPS, settle_timeout: float = 300.0
                  ) -> SuiteResult:
    suite = SuiteResult("lifecycle", "Hypothesis state machine over submit / poll / "
                                     "wait / balance")
    suite.checked = ["responses conform to the contract", "statuses only move forward",
                     "terminal statuses are stable", "outputs = num_images/num_samples",
                     "credits charged exactly once, never for failures",
                     "429s carry a usable Retry-After", "ids unique",
                     "another key never sees my predictions"]
    if ctx.free_only:
        suite.ran = False
        suite.notes.append("needs --budget: it creates (and pays for) predictions")
        return suite
    started, before = time.perf_counter(), ctx.sender.requests
    machine = lifecycle_machine(ctx, suite, settle_timeout=settle_timeout)
    settings = hypothesis.settings(
        max_examples=ctx.examples, stateful_step_count=steps, derandomize=ctx.seed is None,
        database=None, deadline=None, suppress_health_check=list(HealthCheck),
        phases=[Phase.generate])
    run_state_machine_as_test(machine, settings=settings)
    suite.requests = ctx.sender.requests - before
    suite.seconds = time.perf_counter() - started
    return suite


def lifecycle_machine(ctx: Context, suite: SuiteResult, *, settle_timeout: float = 300.0
                      ) -> type[RuleBasedStateMachine]:
    """The state machine class, bound to one contract run."""
    sender, target = ctx.sender, ctx.sender.target
    usable = [t for t in templates() if target.is_emulator or not t.emulator_only]
    any_key = bool(target.is_emulator) and sender.send(
        "GET", "/v1/credits", key=f"fa-contract-probe-{uuid.uuid4().hex[:8]}",
        retry_429=False).status_code == 200

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            fresh = f"fa-contract-{uuid.uuid4().hex[:12]}"
            other = (f"fa-contract-other-{uuid.uuid4().hex[:8]}" if any_key
                     else target.other_api_key or INVALID_KEY)
            self.run = Run(fresh if any_key else target.api_key, other)
            self.run.start = self.balance()

        # --- helpers ---------------------------------------------------------------
        def send(self, method: str, path: str, key: str | None = None, *,
                 retried: bool = False, **kwargs: Any) -> httpx.Response:
            """One request, checked against the contract; a 429 is retried once after
            its Retry-After where the clock can be moved (the retry's answer is returned)."""
            response = sender.send(method, path, key=key or self.run.key, retry_429=False,
                                   **kwargs)
            self.run.history.append(f"{method} {path} -> {response.status_code}")
            for problem in check_response(method, response.request.url.path,
                                          response.status_code, response.headers,
                                          response.content):
                self.fail("response conforms to the contract", problem, response)
            if response.status_code == 429 and not retried:
                return self.check_retry_after(method, path, key, response, kwargs)
            return response

        def fail(self, check: str, message: str, response: httpx.Response | None) -> None:
            steps = "\n".join(self.run.history[-HISTORY:])
            suite.fail(ctx.failure(check, f"{message}\nlast steps:\n{steps}", response))

        def check_retry_after(self, method: str, path: str, key: str | None,
                              response: httpx.Response, kwargs: dict[str, Any]
                              ) -> httpx.Response:
            header = response.headers.get("retry-after")
            wait = retry_after_seconds(header)
            name = _json(response).get("error")
            if wait is None or wait > MAX_RETRY_AFTER:
                self.fail("429s carry a usable Retry-After",
                          f"{name} 429 with Retry-After {header!r}", response)
                return response
            if name == "OutOfCredits" or not target.clock_control:
                return response
            sender.pause(wait)
            self.run.history.append(f"advance clock {wait:g} s (Retry-After)")
            again = self.send(method, path, key, retried=True, **kwargs)
            if again.status_code == 429 and _json(again).get("error") == name:
                self.fail("429s carry a usable Retry-After",
                          f"still {name} after waiting Retry-After {header}", again)
            return again

        def balance(self) -> int | None:
            response = self.send("GET", "/v1/credits")
            credits = _json(response).get("credits")
            if response.status_code != 200 or not isinstance(credits, dict):
                return None
            total = credits.get("total")
            return total if isinstance(total, int) else None

        def track(self, body: dict[str, Any], response: httpx.Response) -> None:
            ctx.track(response)
            prediction_id = _json(response).get("id")
            if not isinstance(prediction_id, str):
                return
            if prediction_id in self.run.ids:
                self.fail("ids unique", f"/v1/run returned {prediction_id} twice", response)
            self.run.ids.add(prediction_id)
            template = next(t for t in usable if t.body == body)
            self.run.predictions.append(Tracked(prediction_id, template, cost(body) or 0,
                                                expected_outputs(body)))

        def poll(self, tracked: Tracked) -> None:
            response = self.send("GET", f"/v1/status/{tracked.id}")
            if response.status_code != 200:
                if response.status_code != 429:
                    self.fail("polls of my prediction succeed",
                              f"GET status of {tracked.id} -> {response.status_code}",
                              response)
                return
            self.check_status(tracked, _json(response), response)

        def check_status(self, tracked: Tracked, body: dict[str, Any],
                         response: httpx.Response) -> None:
            status = body.get("status")
            if tracked.terminal is not None:
                tracked.polls_after_terminal += 1
                seen = {k: body.get(k) for k in ("status", "output", "error")}
                if seen != tracked.terminal:
                    self.fail("terminal statuses are stable",
                              f"{tracked.id} was {tracked.terminal}, now {seen}", response)
                return
            if status not in ORDER and status not in TERMINAL:
                tracked.terminal = {"status": status}  # reported as a contract violation;
                return  # no point in waiting for it to finish
            order = ORDER.get(str(status), 3)
            if order < tracked.order:
                self.fail("statuses only move forward",
                          f"{tracked.id} went back to {status}", response)
            tracked.order = max(order, tracked.order)
            if status not in TERMINAL:
                return
            tracked.terminal = {k: body.get(k) for k in ("status", "output", "error")}
            output = body.get("output")
            if status == "completed":
                if tracked.template.must_fail:
                    self.fail("inputs that cannot load fail",
                              f"{tracked.template.label} completed", response)
                if not isinstance(output, list) or len(output) != tracked.outputs:
                    count = len(output) if isinstance(output, list) else output
                    self.fail("outputs = num_images/num_samples",
                              f"{tracked.template.label}: {count} outputs, expected "
                              f"{tracked.outputs}", response)
                used = response.headers.get("x-fashn-credits-used")
                if used is not None and used != str(tracked.price):
                    self.fail("x-fashn-credits-used = catalog price",
                              f"{tracked.template.label}: header {used}, catalog price "
                              f"{tracked.price}", response)

        # --- rules -----------------------------------------------------------------
        @rule(template=st.sampled_from(usable))
        def submit(self, template: Template) -> None:
            price = 0 if template.must_fail else (cost(template.body) or 0)
            if not ctx.budget.reserve(price):
                suite.skipped["lifecycle submit over budget"] += 1
                return
            response = self.send("POST", "/v1/run", json=template.body)
            suite.cases += 1
            if response.status_code == 200:
                self.track(template.body, response)
                return
            ctx.budget.release(price)
            if response.status_code != 429:
                self.fail("valid submissions are accepted (or 429)",
                          f"{template.label}: HTTP {response.status_code}", response)

        @precondition(lambda self: bool(self.run.predictions))
        @rule(index=st.integers(min_value=0, max_value=10_000))
        def poll_mine(self, index: int) -> None:
            self.poll(self.run.predictions[index % len(self.run.predictions)])

        @precondition(lambda self: bool(self.run.predictions))
        @rule(index=st.integers(min_value=0, max_value=10_000))
        def poll_as_another_key(self, index: int) -> None:
            tracked = self.run.predictions[index % len(self.run.predictions)]
            response = self.send("GET", f"/v1/status/{tracked.id}", key=self.run.other_key)
            if response.status_code not in (401, 404, 429):
                self.fail("another key never sees my predictions",
                          f"{tracked.id} answered {response.status_code} to another key",
                          response)

        @rule()
        def poll_unknown_id(self) -> None:
            response = self.send("GET", f"/v1/status/{uuid.uuid4()}")
            if response.status_code not in (404, 429):
                self.fail("unknown ids are 404", f"got {response.status_code}", response)

        @rule(seconds=st.sampled_from([0.5, 3.0, 15.0, 90.0]))
        def let_time_pass(self, seconds: float) -> None:
            if target.clock_control:
                sender.pause(seconds)
                self.run.history.append(f"advance clock {seconds:g} s")
            else:
                time.sleep(min(seconds, ctx.max_sleep))

        @rule()
        def read_balance(self) -> None:
            now = self.balance()
            start = self.run.start
            if now is None or start is None:
                return
            ceiling = sum(t.price for t in self.run.predictions)
            if not start - ceiling <= now <= start:
                self.fail("credits charged exactly once, never for failures",
                          f"balance {now}: started at {start}, at most {ceiling} in play",
                          None)

        def teardown(self) -> None:
            self.settle()
            completed = [t for t in self.run.predictions
                         if t.terminal and t.terminal["status"] == "completed"]
            unfinished = [t.id for t in self.run.predictions if t.terminal is None]
            if unfinished:
                suite.notes.append(f"{len(unfinished)} prediction(s) still running after "
                                   f"{settle_timeout:g} s; balance not compared")
                return
            for tracked in completed:  # polling again must not charge again
                self.poll(tracked)
            end, start = self.balance(), self.run.start
            charged = sum(t.price for t in completed)
            if end is not None and start is not None and start - end != charged:
                failed = [t.template.label for t in self.run.predictions
                          if t.terminal and t.terminal["status"] != "completed"]
                self.fail("credits charged exactly once, never for failures",
                          f"balance went {start} -> {end} (-{start - end}); completed "
                          f"predictions cost {charged}; failed: {failed}", None)

        def settle(self) -> None:
            """Poll until every prediction is terminal: on an emulator by moving its
            clock 600 s at a time (at most SETTLE_ROUNDS times), elsewhere in real time
            (settle_timeout)."""
            deadline, rounds = time.monotonic() + settle_timeout, 0
            while True:
                waiting = [t for t in self.run.predictions if t.terminal is None]
                if not waiting:
                    return
                if target.clock_control and rounds == SETTLE_ROUNDS:
                    self.fail("predictions reach a terminal status",
                              f"{len(waiting)} prediction(s) still "
                              f"{[t.order for t in waiting]} (order) after "
                              f"{SETTLE_ROUNDS * 600} s of emulator time", None)
                    return
                if not target.clock_control and time.monotonic() > deadline:
                    return
                rounds += 1
                if target.clock_control:
                    sender.pause(600)
                for tracked in waiting:
                    self.poll(tracked)
                if not target.clock_control and any(t.terminal is None for t in waiting):
                    time.sleep(2 * ctx.max_sleep)

    return Lifecycle


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


__all__ = ["Template", "lifecycle_machine", "run_lifecycle", "templates"]
