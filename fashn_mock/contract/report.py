"""What a contract run found: suites, case counts, failures with a curl line each."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

MAX_BODY_SHOWN = 300
SKIPPED_HEADERS = ("host", "content-length", "accept-encoding", "connection", "user-agent",
                   "accept")


def curl_line(request: httpx.Request, secrets: Mapping[str, str] | None = None) -> str:
    """A one-line shell command replaying ``request``; API keys become ``$VARS``."""
    parts = ["curl", "-sS", "-X", request.method, shlex.quote(str(request.url))]
    for name, value in request.headers.items():
        if name.lower() in SKIPPED_HEADERS or name.lower().startswith("x-schemathesis"):
            continue
        for secret, variable in (secrets or {}).items():
            if secret and secret in value:
                value = value.replace(secret, variable)
        header = f"{name}: {value}"
        parts += ["-H", f'"{header}"' if "$" in value else shlex.quote(header)]
    body = request.content
    if not body:
        return " ".join(parts)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        escaped = "".join(f"\\x{byte:02x}" for byte in body)
        return f"printf '%b' '{escaped}' | " + " ".join([*parts, "--data-binary", "@-"])
    return " ".join([*parts, "--data-raw", shlex.quote(text)])


def short(text: str, limit: int = MAX_BODY_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Failure:
    """One way the target broke the contract, with the request that shows it."""

    check: str
    message: str
    curl: str
    status: int | None = None
    response: str = ""
    occurrences: int = 1
    seen_in: list[str] = field(default_factory=list)
    """Where else the same failure happened (e.g. other models)."""

    @classmethod
    def of(cls, check: str, message: str, exchange: httpx.Response | None,
           secrets: Mapping[str, str] | None = None) -> Failure:
        if exchange is None:
            return cls(check, message, curl="(no request)")
        return cls(check, message, curl=curl_line(exchange.request, secrets),
                   status=exchange.status_code, response=short(exchange.text))


@dataclass
class SuiteResult:
    name: str
    description: str
    cases: int = 0
    """Generated or scripted test cases run."""
    requests: int = 0
    seconds: float = 0.0
    checked: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    """Reason -> how many cases were not sent."""
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ran: bool = True

    def fail(self, failure: Failure, where: str | None = None) -> None:
        """Record a failure, merging repeats of the same check and first message line."""
        key = (failure.check, failure.message.split("\n", 1)[0])
        for known in self.failures:
            if (known.check, known.message.split("\n", 1)[0]) == key:
                known.occurrences += 1
                if where and where not in known.seen_in:
                    known.seen_in.append(where)
                return
        if where:
            failure.seen_in.append(where)
        self.failures.append(failure)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class Report:
    target: str
    budget: str
    suites: list[SuiteResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dialect: str = "native"

    @property
    def ok(self) -> bool:
        return all(suite.ok for suite in self.suites)

    @property
    def failures(self) -> list[Failure]:
        return [failure for suite in self.suites for failure in suite.failures]

    def as_json(self) -> dict[str, Any]:
        suites = []
        for suite in self.suites:
            fields = {k: v for k, v in vars(suite).items() if k not in ("skipped", "failures")}
            suites.append({**fields, "ok": suite.ok, "skipped": dict(suite.skipped),
                           "failures": [asdict(f) for f in suite.failures]})
        return {"target": self.target, "dialect": self.dialect, "budget": self.budget,
                "ok": self.ok,
                "notes": self.notes, "suites": suites}

    def render(self) -> str:
        lines = [f"fashn-mock contract: {self.target}", f"budget: {self.budget}"]
        if self.dialect != "native":
            lines.insert(1, f"dialect: {self.dialect}")
        lines += [f"note: {note}" for note in self.notes]
        for suite in self.suites:
            state = "skipped" if not suite.ran else ("ok" if suite.ok else "FAILED")
            lines.append("")
            lines.append(f"[{state}] {suite.name}: {suite.description}")
            if suite.ran:
                lines.append(f"  {suite.cases} cases, {suite.requests} requests, "
                             f"{suite.seconds:.1f} s")
            if suite.checked:
                lines.append("  checked: " + "; ".join(suite.checked))
            for reason, count in sorted(suite.skipped.items()):
                lines.append(f"  not sent: {count} x {reason}")
            lines += [f"  note: {note}" for note in suite.notes]
            for number, failure in enumerate(suite.failures, 1):
                times = f" (x{failure.occurrences})" if failure.occurrences > 1 else ""
                lines.append(f"  FAILURE {number}{times}: [{failure.check}] "
                             + failure.message.replace("\n", "\n    "))
                if len(failure.seen_in) > 1:
                    lines.append("    seen in: " + ", ".join(failure.seen_in))
                if failure.status is not None:
                    lines.append(f"    got {failure.status}: {failure.response}")
                lines.append(f"    reproduce: {failure.curl}")
        total = len(self.failures)
        lines.append("")
        lines.append("result: " + ("all contract checks passed" if self.ok else
                                   f"{total} distinct failure(s)"))
        return "\n".join(lines) + "\n"
