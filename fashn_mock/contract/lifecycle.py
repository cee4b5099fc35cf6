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
Every request is the target dialect's (``contract.dialects``); a gateway without a
balance route is compared through fashn-mock's control API, or not at all.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from fashn_mock.contract.components import TERMINAL
from fashn_mock.contract.context import Context
from fashn_mock.contract.dialects import Call, Reading
from fashn_mock.contract.probing import INVALID_KEY
from fashn_mock.contract.report import SuiteResult
from fashn_mock.contract.samples import Template, templates, tiny_png
from fashn_mock.contract.target import retry_after_seconds

ORDER = {"starting": 0, "in_queue": 1, "processing": 2}
STEPS = 20
MAX_RETRY_AFTER = 3600
HISTORY = 8
SETTLE_ROUNDS = 6
"""On an emulator, settle by moving its clock 600 s at a time, at most this often."""


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
    sender, target, dialect = ctx.sender, ctx.sender.target, ctx.dialect
    doc, pricing = dialect.document, dialect.pricing
    usable = [t for t in dialect.templates() if target.is_emulator or not t.emulator_only]
    any_key = bool(target.is_emulator) and sender.call(
        dialect.free_call(), key=f"fa-contract-probe-{uuid.uuid4().hex[:8]}",
        retry_429=False).status_code in dialect.accepted_statuses

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
            for problem in doc.check_response(method, response.request.url.path,
                                              response.status_code, response.headers,
                                              response.content):
                self.fail("response conforms to the contract", problem, response)
            if response.status_code == 429 and not retried:
                return self.check_retry_after(method, path, key, response, kwargs)
            return response

        def send_call(self, call: Call, key: str | None = None) -> httpx.Response:
            path = call.path if call.absolute else target.base_path + call.path
            return self.send(call.method, path, key, **call.kwargs())

        def fail(self, check: str, message: str, response: httpx.Response | None) -> None:
            steps = "\n".join(self.run.history[-HISTORY:])
            suite.fail(ctx.failure(check, f"{message}\nlast steps:\n{steps}", response))

        def check_retry_after(self, method: str, path: str, key: str | None,
                              response: httpx.Response, kwargs: dict[str, Any]
                              ) -> httpx.Response:
            header = response.headers.get("retry-after")
            wait = retry_after_seconds(header)
            name = dialect.error_name(response)
            if wait is None or wait > MAX_RETRY_AFTER:
                self.fail("429s carry a usable Retry-After",
                          f"{name} 429 with Retry-After {header!r}", response)
                return response
            if dialect.out_of_credits(response) or not target.clock_control:
                return response
            sender.pause(wait)
            self.run.history.append(f"advance clock {wait:g} s (Retry-After)")
            again = self.send(method, path, key, retried=True, **kwargs)
            if again.status_code == 429 and dialect.error_name(again) == name \
                    and dialect.names_refusals:
                self.fail("429s carry a usable Retry-After",
                          f"still {name} after waiting Retry-After {header}", again)
            return again

        def balance(self) -> int | None:
            call = dialect.balance_call(self.run.key, bool(target.is_emulator))
            if call is None:
                return None
            if dialect.balance_in_contract:
                return dialect.read_balance(self.send_call(call))
            return dialect.read_balance(sender.call(call, key=self.run.key,
                                                    retry_429=False))

        def track(self, body: dict[str, Any], response: httpx.Response) -> None:
            ctx.track(response)
            prediction_id = dialect.created_id(response)
            if prediction_id is None:
                return
            if prediction_id in self.run.ids:
                self.fail("ids unique", f"{dialect.run_path} returned {prediction_id} twice",
                          response)
            self.run.ids.add(prediction_id)
            template = next(t for t in usable if t.body == body)
            self.run.predictions.append(Tracked(prediction_id, template,
                                                pricing.cost(body) or 0,
                                                dialect.expected_outputs(body)))

        def poll(self, tracked: Tracked) -> None:
            response = self.send_call(dialect.status_call(tracked.id))
            if response.status_code != 200:
                if response.status_code != 429:
                    self.fail("polls of my prediction succeed",
                              f"GET status of {tracked.id} -> {response.status_code}",
                              response)
                return
            self.check_status(tracked, dialect.read_status(response), response)

        def check_status(self, tracked: Tracked, reading: Reading,
                         response: httpx.Response) -> None:
            status = reading.status
            if tracked.terminal is not None:
                tracked.polls_after_terminal += 1
                seen = reading.view()
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
            tracked.terminal = reading.view()
            output = reading.output
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
            price = 0 if template.must_fail else (pricing.cost(template.body) or 0)
            if not ctx.budget.reserve(price):
                suite.skipped["lifecycle submit over budget"] += 1
                return
            response = self.send_call(dialect.run_call(template.body))
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
            response = self.send_call(dialect.status_call(tracked.id), key=self.run.other_key)
            if response.status_code not in (401, 404, 429):
                self.fail("another key never sees my predictions",
                          f"{tracked.id} answered {response.status_code} to another key",
                          response)

        @rule()
        def poll_unknown_id(self) -> None:
            response = self.send_call(dialect.status_call(dialect.unknown_id()))
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


__all__ = ["Template", "lifecycle_machine", "run_lifecycle", "templates", "tiny_png"]
