"""The contract's reality check: recorded exchanges against ``openapi.yaml``.

``verify(paths)`` reads cassettes and reports, for every recorded exchange, what
the contract does not document (fields, enum values, status codes, headers,
operations), responses that break its schemas, requests the API accepted although
the contract rejects them (or rejected although it accepts them), and, the other
way round, what the contract documents but no recording ever showed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fashn_mock.cassettes.format import Cassette, Response, cassette_files
from fashn_mock.cassettes.schema import SchemaReader
from fashn_mock.contract.document import check_response, find_operation, load, operations
from fashn_mock.contract.strict import NO_BODY, check_request

KINDS = {
    "undocumented-field": "undocumented field",
    "undocumented-enum": "undocumented value",
    "undocumented-status": "undocumented status",
    "undocumented-header": "undocumented header",
    "undocumented-operation": "undocumented operation",
    "mismatch": "breaks the schema",
    "accepted-outside-contract": "accepted, contract rejects",
    "rejected-within-contract": "rejected, contract accepts",
}
IGNORED_HEADERS = {"content-type"}


@dataclass
class Finding:
    kind: str
    operation: str
    """``GET /v1/status/{id} 200``: the documented operation and the status seen."""
    detail: str
    seen: int = 1
    example: str = ""
    """Where it was first seen: ``<cassette> #<interaction>``."""

    def __str__(self) -> str:
        return (f"{KINDS[self.kind]:<27} {self.operation:<28} {self.detail} "
                f"(seen {self.seen}x, e.g. {self.example})")


@dataclass
class Exchange:
    where: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    response: Response


@dataclass
class DriftReport:
    cassettes: int = 0
    exchanges: int = 0
    findings: list[Finding] = field(default_factory=list)
    never_seen: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def render(self) -> str:
        lines = [f"fashn-mock verify-cassettes: {self.exchanges} exchange(s) from "
                 f"{self.cassettes} cassette(s) checked against the contract", ""]
        lines.append(f"Reality the contract does not document ({len(self.findings)}):")
        lines += [f"  {f}" for f in self.findings] or ["  nothing: every exchange conforms"]
        lines += ["", f"Documented but never recorded ({len(self.never_seen)}):"]
        lines += [f"  {n}" for n in self.never_seen] or ["  nothing"]
        verdict = "OK" if self.ok else f"DRIFT ({len(self.findings)} finding(s))"
        return "\n".join([*lines, "", f"Result: {verdict}", ""])


class _Verifier:
    def __init__(self) -> None:
        self.reader = SchemaReader(load())
        self.report = DriftReport()
        self._findings: dict[tuple[str, str, str], Finding] = {}
        self.statuses: dict[str, set[int]] = {}
        self.headers: dict[str, set[str]] = {}
        self.values: dict[tuple[str, str], set[Any]] = {}

    def add(self, kind: str, operation: str, detail: str, where: str) -> None:
        found = self._findings.get((kind, operation, detail))
        if found is None:
            self._findings[(kind, operation, detail)] = Finding(kind, operation, detail,
                                                               example=where)
        else:
            found.seen += 1

    def check(self, exchange: Exchange) -> None:
        self.report.exchanges += 1
        response = exchange.response
        operation = find_operation(exchange.method, exchange.path)
        if operation is None:
            self.add("undocumented-operation", f"{exchange.method} {exchange.path}",
                     f"status {response.status}", exchange.where)
            return
        label = f"{operation.method} {operation.template}"
        here = f"{label} {response.status}"
        self.statuses.setdefault(label, set()).add(response.status)
        if exchange.method == "POST" and exchange.path == "/v1/run":
            self._check_request(exchange, here)
        documented = operation.spec()["responses"].get(str(response.status))
        if documented is None:
            self.add("undocumented-status", here, f"HTTP {response.status}", exchange.where)
            return
        declared = {name.lower() for name in documented.get("headers", {})}
        for name in response.headers:
            self.headers.setdefault(label, set()).add(name)
            if name not in declared and name not in IGNORED_HEADERS:
                self.add("undocumented-header", here, name, exchange.where)
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return
        surprises = self.reader.undocumented(schema, response.body)
        for surprise in surprises:
            if surprise.kind == "field":
                self.add("undocumented-field", here, f"body {surprise.path}", exchange.where)
            else:
                self.add("undocumented-enum", here, f"body {surprise.path} = "
                         f"{json.dumps(surprise.value)} (documented: "
                         f"{', '.join(map(str, surprise.documented))})", exchange.where)
        for path in self.reader.enums(schema):
            for value in _values_at(response.body, path):
                self.values.setdefault((label, path), set()).add(_key(value))
        explained = [s.path for s in surprises]
        headers = {"content-type": "application/json", **response.headers}
        for problem in check_response(exchange.method, exchange.path, response.status,
                                      headers, json.dumps(response.body)):
            if not _explained(problem, explained):
                self.add("mismatch", here, problem, exchange.where)

    def _check_request(self, exchange: Exchange, here: str) -> None:
        body = NO_BODY if exchange.body is None else exchange.body
        violations = check_request("POST", "/v1/run", exchange.query, body)
        status = exchange.response.status
        if 200 <= status < 300:
            for violation in violations:
                self.add("accepted-outside-contract", here, str(violation), exchange.where)
        elif status == 400 and not violations:
            message = exchange.response.body
            if isinstance(message, dict):
                message = message.get("message", message)
            self.add("rejected-within-contract", here, f"API said: {message}",
                     exchange.where)

    def finish(self) -> DriftReport:
        self.report.findings = sorted(self._findings.values(),
                                      key=lambda f: (f.kind, f.operation, f.detail))
        self.report.never_seen = list(self._never_seen())
        return self.report

    def _never_seen(self) -> Iterator[str]:
        for operation in operations():
            label = f"{operation.method} {operation.template}"
            if label not in self.statuses:
                yield f"{label}: never recorded"
                continue
            responses = operation.spec()["responses"]
            missing = [code for code in responses if int(code) not in self.statuses[label]]
            if missing:
                yield f"{label}: status {', '.join(missing)} never recorded"
            declared = {n.lower() for r in responses.values() for n in r.get("headers", {})}
            unseen = sorted(declared - self.headers.get(label, set()))
            if unseen:
                yield f"{label}: header {', '.join(unseen)} never recorded"
            enums: dict[str, set[Any]] = {}
            for response in responses.values():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                for path, values in self.reader.enums(schema).items() if schema else ():
                    enums.setdefault(path, set()).update(values)
            for path, values in sorted(enums.items()):
                unseen = sorted((v for v in values
                                 if _key(v) not in self.values.get((label, path), set())),
                                key=str)
                if unseen:
                    yield f"{label} body {path}: {', '.join(map(str, unseen))} never recorded"


def exchanges(cassette: Cassette) -> Iterator[Exchange]:
    """Every recorded request/response pair, status polls included."""
    for number, interaction in enumerate(cassette.interactions, 1):
        where = f"{cassette.path} #{number}"
        request = interaction.request
        yield Exchange(where, request.method, request.path, request.query, request.body,
                       interaction.response)
        poll_path = f"/v1/status/{interaction.prediction_id or 'unknown'}"
        for step in interaction.timeline:
            yield Exchange(f"{where} @{step.at:g}s", "GET", poll_path, {}, None, step.response)


def verify(paths: Path | str | Sequence[Path | str]) -> DriftReport:
    """Check every exchange of the cassettes at ``paths`` against the contract."""
    many = [paths] if isinstance(paths, str | Path) else list(paths)
    verifier = _Verifier()
    for path in many:
        for file in cassette_files(path):
            verifier.report.cassettes += 1
            for exchange in exchanges(Cassette.load(file)):
                verifier.check(exchange)
    return verifier.finish()


def _values_at(instance: Any, path: str) -> Iterator[Any]:
    if path == "(body)":
        yield instance
        return
    nodes = [instance]
    for part in path.split("/"):
        name, lists = part.rstrip("[]"), part.count("[]")
        nodes = [n[name] for n in nodes if isinstance(n, dict) and name in n]
        for _ in range(lists):
            nodes = [item for n in nodes if isinstance(n, list) for item in n]
    yield from nodes


def _key(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None \
        else json.dumps(value, sort_keys=True)


def _explained(problem: str, paths: list[str]) -> bool:
    """Whether a schema error is the consequence of an undocumented value or field."""
    if not problem.startswith("body "):
        return False
    where = re.sub(r"/(\d+)(?=/|$)", "[]", problem[5:].split(":")[0])
    return any(where == p or p.startswith(where + "/") or p.startswith(where + "[]")
               or where.startswith(p + "/") for p in paths)
