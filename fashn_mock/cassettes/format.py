"""The cassette file: recorded FASHN traffic as human-readable, diff-friendly YAML.

A cassette is a list of interactions. Each is one request and its response; a
``/v1/run`` that created a prediction also carries the prediction's *timeline*
(every distinct status observed while polling: its offset from the run in
seconds, how many polls showed it, and the response) and its *outputs* (files
stored under ``media/`` by content hash, referenced from the recorded payload).
Only headers that matter are kept; request headers (``Authorization``) never are.
Keys are written in a fixed order (payloads sorted), so re-recording diffs cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fashn_mock.cassettes import safeyaml, validate
from fashn_mock.cassettes.atomic import write_atomic
from fashn_mock.cassettes.media import MediaDir
from fashn_mock.cassettes.redact import Redactor
from fashn_mock.engine.prediction import TERMINAL

VERSION = 1
SUFFIXES = (".yaml", ".yml")
HEADER = ("# fashn-mock cassette: recorded FASHN API traffic, replayed by\n"
          "# `fashn-mock serve --replay` and @pytest.mark.fashn_cassette. Secrets redacted.\n")
KEPT_HEADERS = ("content-type", "x-fashn-credits-used", "retry-after", "retry-after-ms",
                "x-should-retry", "x-ratelimit-limit", "x-ratelimit-remaining",
                "x-ratelimit-reset")
"""Response headers worth recording (plus any other ``x-fashn-*``)."""
MAX_BYTES = 64 * 1024 * 1024
"""Larger files are not read (a cassette of hundreds of recorded runs is a few MB)."""


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml when available (~5x faster); never anchors or aliases (loading refuses
    them), even for a value that appears twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


DUMPER = _Dumper


class CassetteError(ValueError):
    """A cassette file that cannot be read."""


def kept_headers(headers: Any) -> dict[str, str]:
    """The recorded subset of response headers, lower-cased and sorted."""
    items = headers.items() if hasattr(headers, "items") else headers
    kept = {str(k).lower(): str(v) for k, v in items
            if str(k).lower() in KEPT_HEADERS or str(k).lower().startswith("x-fashn-")}
    return dict(sorted(kept.items()))


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class Step:
    """One observed status (or a failed poll), first seen ``at`` seconds after the run."""

    at: float
    polls: int
    response: Response

    @property
    def status(self) -> str | None:
        """The prediction's status; None when the poll itself failed (e.g. a 429)."""
        body = self.response.body
        if self.response.status == 200 and isinstance(body, dict):
            status = body.get("status")
            return status if isinstance(status, str) else None
        return None

    def same_as(self, response: Response) -> bool:
        """Whether ``response`` shows nothing new compared with this step."""
        other = Step(0, 0, response)
        if self.status is not None or other.status is not None:
            return self.status == other.status
        return (self.response.status, _error_name(self.response.body)) == \
            (response.status, _error_name(response.body))


@dataclass
class Output:
    """One output of a completed prediction and where its bytes are kept."""

    name: str
    """File name in the output URL (``output_0.png``), served again under ``/cdn/``."""
    file: str | None = None
    """``media/<sha256>.<ext>``; None when the output could not be kept."""
    content_type: str | None = None
    base64: bool = False
    """The API returned it inline as a data URI (``return_base64``)."""
    note: str | None = None
    """Why ``file`` is missing (download failed, expired base64...)."""
    value: str | None = None
    """The literal output when it was not a file (e.g. ``<base64>_expired``)."""


@dataclass
class Interaction:
    request: Request
    response: Response
    timeline: list[Step] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    @property
    def is_run(self) -> bool:
        return self.request.method == "POST" and self.request.path == "/v1/run"

    @property
    def prediction_id(self) -> str | None:
        body = self.response.body
        if self.is_run and self.response.status == 200 and isinstance(body, dict):
            found = body.get("id")
            return found if isinstance(found, str) else None
        return None

    @property
    def terminal(self) -> Step | None:
        return next((s for s in self.timeline if s.status in TERMINAL), None)


@dataclass
class Cassette:
    path: Path
    interactions: list[Interaction] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    """Extra redaction patterns, applied again to requests when replaying."""
    upstream: str | None = None

    @property
    def media_root(self) -> Path:
        return self.path.parent

    def redactor(self) -> Redactor:
        return Redactor(self.redactions)

    # --- files -------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str) -> Cassette:
        """Read and validate a cassette; ``CassetteError`` says ``file:line: what``."""
        path = Path(path)
        try:
            with path.open("rb") as stream:
                raw = stream.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise CassetteError(f"{path}: cannot read cassette: larger than "
                                    f"{MAX_BYTES} bytes")
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CassetteError(f"{path}: cannot read cassette: {exc}") from exc
        try:
            data = safeyaml.load(text)
        except safeyaml.YamlError as exc:
            raise CassetteError(f"{_at(path, exc.line)}: cannot read cassette: "
                                f"{exc.message}") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise CassetteError(f"{path}: not a version {VERSION} fashn-mock cassette")
        try:
            validate.document(data)
            _check_media(data, MediaDir(path.parent))
        except validate.Problem as problem:
            line = safeyaml.line_of(text, problem.path)
            raise CassetteError(f"{_at(path, line)}: malformed cassette: {problem.where}: "
                                f"{problem.message}") from None
        return cls(path, [_interaction(i) for i in data.get("interactions") or []],
                   list(data.get("redactions") or []), data.get("upstream"))

    def dumps(self, redactor: Redactor | None = None) -> str:
        """The YAML text; with ``redactor``, every recorded value is redacted first
        and the text is refused (``SecretLeak``) if a known secret survived."""
        text = assemble(self.head(),
                        [dump_interaction(i, redactor) for i in self.interactions])
        if redactor is not None:
            redactor.check(text)
        return text

    def head(self) -> str:
        """The text before the interactions (never holds recorded traffic)."""
        document: dict[str, Any] = {"version": VERSION, "recorded_with": "fashn-mock"}
        if self.upstream:
            document["upstream"] = self.upstream
        if self.redactions:
            document["redactions"] = list(self.redactions)
        return HEADER + _dump(document)

    def save(self, redactor: Redactor | None = None) -> None:
        """Write atomically: readers see the old cassette or the new one, never half."""
        write_atomic(self.path, self.dumps(redactor or self.redactor()).encode("utf-8"))


def cassette_files(path: Path | str) -> list[Path]:
    """The cassette file at ``path``, or every cassette under a directory."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CassetteError(f"{path}: no such cassette file or directory")
    return sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                  and not p.name.startswith("."))


def _at(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else str(path)


def _check_media(data: dict[str, Any], media: MediaDir) -> None:
    for number, interaction in enumerate(data.get("interactions") or []):
        for index, output in enumerate(interaction.get("outputs") or []):
            ref = output.get("file")
            problem = None if ref is None else media.problem(ref)
            if problem is not None:
                raise validate.Problem(("interactions", number, "outputs", index, "file"),
                                       problem)


# --- (de)serialisation -------------------------------------------------------------
def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=DUMPER, sort_keys=False, allow_unicode=True, width=1000,
                     default_flow_style=False)


def dump_interaction(interaction: Interaction, redactor: Redactor | None = None) -> str:
    """One interaction as the text of one entry of the ``interactions`` list."""
    data: Any = [_dump_interaction(interaction)]
    return _dump(redactor.data(data) if redactor else data)


def assemble(head: str, interactions: list[str]) -> str:
    """The whole file from ``head`` and the texts of its interactions."""
    if not interactions:
        return head + "interactions: []\n"
    return head + "interactions:\n" + "".join(interactions)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _dump_request(request: Request) -> dict[str, Any]:
    out: dict[str, Any] = {"method": request.method, "path": request.path}
    if request.query:
        out["query"] = _sorted(request.query)
    if request.body is not None:
        out["body"] = _sorted(request.body)
    return out


def _dump_response(response: Response) -> dict[str, Any]:
    out: dict[str, Any] = {"status": response.status}
    if response.headers:
        out["headers"] = _sorted(response.headers)
    out["body"] = _sorted(response.body)
    return out


def _dump_interaction(interaction: Interaction) -> dict[str, Any]:
    out: dict[str, Any] = {"request": _dump_request(interaction.request),
           "response": _dump_response(interaction.response)}
    if interaction.timeline:
        out["timeline"] = [{"at": round(s.at, 3), "polls": s.polls,
                            "response": _dump_response(s.response)}
                           for s in interaction.timeline]
    if interaction.outputs:
        out["outputs"] = [{k: v for k, v in vars(o).items()
                           if v is not None and not (k == "base64" and v is False)}
                          for o in interaction.outputs]
    return out


def _request(data: dict[str, Any]) -> Request:
    return Request(str(data["method"]).upper(), str(data["path"]),
                   {str(k): str(v) for k, v in (data.get("query") or {}).items()},
                   data.get("body"))


def _response(data: dict[str, Any]) -> Response:
    return Response(int(data["status"]),
                    {str(k).lower(): str(v) for k, v in (data.get("headers") or {}).items()},
                    data.get("body"))


def _interaction(data: dict[str, Any]) -> Interaction:
    return Interaction(
        _request(data["request"]), _response(data["response"]),
        [Step(float(s["at"]), int(s.get("polls") or 1), _response(s["response"]))
         for s in data.get("timeline") or []],
        [Output(**o) for o in data.get("outputs") or []])


def _error_name(body: Any) -> Any:
    return body.get("error") if isinstance(body, dict) else None
