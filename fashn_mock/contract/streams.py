"""Server-Sent Event streams against a contract: each event against the response's
``itemSchema`` (OpenAPI 3.2), its JSON ``data`` against the ``contentSchema`` inside
it, and the whole stream against the ``x-fashn-mock-event-order`` grammar beside it
(``openapi_concurred.EVENT_ORDER``: a first event, repeated events whose field
strictly ascends, exactly one last event, then the sentinel and nothing after it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

LINE_ENDS = re.compile(r"\r\n|\r|\n")
MAX_EVENTS = 10_000
"""Events read from one stream; a longer stream is reported, not read on."""
MAX_PROBLEMS = 20


class Contract(Protocol):
    """What a stream check reads of a contract (``document.Document`` is one)."""

    @property
    def raw(self) -> dict[str, Any]: ...

    def resolve(self, spec: dict[str, Any]) -> dict[str, Any]: ...

    def schema_errors(self, pointer: str, instance: Any) -> list[str]: ...


@dataclass(frozen=True)
class Event:
    """One dispatched event: its type (``message`` without an ``event:`` line) and data."""

    event: str
    data: str

    def json(self) -> Any:
        """The parsed data, or None when it is not JSON."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None

    @property
    def label(self) -> str:
        parsed = self.json()
        if not isinstance(parsed, dict):
            return self.data[:40]
        kind = str(parsed.get("type"))
        return f"{kind}:{parsed['status']}" if kind == "status_update" and \
            "status" in parsed else kind


def parse(text: str, limit: int = MAX_EVENTS) -> list[Event]:
    """The events of a stream, as a browser's EventSource dispatches them (comments
    and events without data are skipped; ``data`` lines are joined with ``\\n``)."""
    events: list[Event] = []
    kind, data = "", list[str]()
    for line in LINE_ENDS.split(text.removeprefix("\ufeff")):
        if line == "":
            if data:
                events.append(Event(kind or "message", "\n".join(data)))
                if len(events) >= limit:
                    return events
            kind, data = "", list[str]()
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
    if data:  # a stream cut before its last blank line still dispatched nothing: note it
        events.append(Event(kind or "message", "\n".join(data)))
    return events


def check_stream(doc: Contract, media_pointer: str, text: str) -> list[str]:
    """How a whole stream breaks the contract at ``media_pointer`` (the media type
    object of a ``text/event-stream`` response)."""
    events = parse(text)
    problems = check_events(doc, media_pointer, events)
    if len(events) >= MAX_EVENTS:
        problems.append(f"stream has more than {MAX_EVENTS} events")
    return problems


def check_events(doc: Contract, media_pointer: str, events: list[Event]) -> list[str]:
    """Each event's shape, then the order of the stream."""
    media = _at(doc, media_pointer)
    problems: list[str] = []
    content = _content_pointer(media.get("itemSchema", {}), f"{media_pointer}/itemSchema")
    grammar = media.get("x-fashn-mock-event-order")
    json_event = grammar.get("event") if isinstance(grammar, dict) else None
    for number, event in enumerate(events, 1):
        if len(problems) >= MAX_PROBLEMS:
            break
        item = {"event": event.event, "data": event.data}
        where = f"event {number} ({event.label})"
        problems += [f"{where}: {e}" for e in
                     doc.schema_errors(f"{media_pointer}/itemSchema", item)]
        if content is not None and event.event == json_event:
            parsed = event.json()
            if parsed is None:
                problems.append(f"{where}: data is not JSON: {event.data[:60]!r}")
            else:
                pointer = _variant(doc, content, parsed)
                problems += [f"{where}: data {e}" for e in doc.schema_errors(pointer, parsed)]
    if isinstance(grammar, dict):
        problems += order_problems(grammar, events)
    return problems[:MAX_PROBLEMS]


def order_problems(grammar: dict[str, Any], events: list[Event]) -> list[str]:
    """How the sequence of events breaks the grammar (shapes are checked elsewhere)."""
    if not events:
        return ["the stream has no events"]
    done, first = grammar.get("done"), grammar.get("first")
    last = set(grammar.get("last", []))
    problems = []
    sentinels = sum(1 for e in events if e.data == done)
    if sentinels == 0:
        problems.append(f"the stream does not end with data: {done} (ends with "
                        f"{events[-1].label})")
    elif sentinels > 1:
        problems.append(f"data: {done} is sent {sentinels} times")
    elif events[-1].data != done:
        problems.append(f"events follow data: {done}")
    parsed = [e.json() for e in events if e.data != done]
    payloads = [p if isinstance(p, dict) else {} for p in parsed]
    kinds = [p.get("type") for p in payloads]
    if not kinds or kinds[0] != first:
        problems.append(f"the first event is {kinds[0] if kinds else 'missing'}, "
                        f"expected {first}")
    if kinds.count(first) > 1:
        problems.append(f"{first} is sent {kinds.count(first)} times")
    ends = [i for i, kind in enumerate(kinds) if kind in last]
    if len(ends) != 1:
        problems.append(f"expected exactly one of {', '.join(sorted(last))}; got {len(ends)}")
    elif ends[0] != len(kinds) - 1:
        problems.append(f"{kinds[ends[0]]} is followed by {kinds[ends[0] + 1]}")
    problems += _ascending(payloads, grammar.get("repeated", {}))
    ids = sorted({str(p.get("prediction_id")) for p in payloads})
    if len(ids) > 1:
        problems.append(f"events name {len(ids)} different prediction ids: {ids[:4]}")
    return problems


def _ascending(payloads: list[dict[str, Any]], repeated: dict[str, Any]) -> list[str]:
    field, order, previous = repeated.get("field", ""), list(repeated.get("order", [])), -1
    for payload in payloads:
        if payload.get("type") != repeated.get("type"):
            continue
        value = payload.get(field)
        rank = order.index(value) if value in order else -1
        if rank <= previous:
            return [f"{repeated.get('type')} {field} {value!r} does not strictly ascend "
                    f"(order: {', '.join(order)})"]
        previous = rank
    return []


def _variant(doc: Contract, pointer: str, payload: Any) -> str:
    """The ``oneOf`` branch of the schema at ``pointer`` whose ``type`` const is the
    payload's (for errors that name the field), else ``pointer`` itself."""
    schema = doc.resolve(_at(doc, pointer))
    kind = payload.get("type") if isinstance(payload, dict) else None
    for branch in schema.get("oneOf", []):
        target = branch.get("$ref", "")
        resolved = doc.resolve(branch)
        if resolved.get("properties", {}).get("type", {}).get("const") == kind and target:
            return str(target).removeprefix("#")
    return pointer


def _content_pointer(schema: Any, pointer: str) -> str | None:
    """The pointer of the first ``contentSchema`` inside ``schema``."""
    if not isinstance(schema, dict):
        return None
    if "contentSchema" in schema:
        return f"{pointer}/contentSchema"
    for key, value in schema.items():
        found = _content_pointer(value, f"{pointer}/{key}")
        if found is not None:
            return found
    return None


def _at(doc: Contract, pointer: str) -> dict[str, Any]:
    node: Any = doc.raw
    for part in pointer.removeprefix("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node if isinstance(node, dict) else {}
