"""What each dashboard view shows: template contexts built from engine reads.

Every function here only reads (``engine.inspect``, ``describe``, the journal); the
steering forms on the pages call the control API itself, so the dashboard has no
second implementation of any operation.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fashn_mock.catalog import BY_NAME, RUNTIME_ERRORS
from fashn_mock.engine import ANY_KEY, Engine
from fashn_mock.engine.errors import UnknownPrediction
from fashn_mock.engine.faults import REFUSALS
from fashn_mock.engine.inspection import (
    Filter,
    books_page,
    prediction_page,
    prediction_row,
)
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.engine.prediction import IN_PROGRESS, TERMINAL
from fashn_mock.engine.views import PredictionSummary
from fashn_mock.steering import Steering
from fashn_mock.urls import CDN_PREFIX

PREFIX = "/_mock/ui"
STATUSES = (*IN_PROGRESS, *TERMINAL)
PER_PAGE = 50
MAX_TEXT = 200
"""Longest filter value accepted."""
MAX_PAGE_NUMBER = 1_000_000
MAX_INLINE_IMAGE = 4 * 1024 * 1024
"""Characters of a data-URI input shown inline; larger ones are described."""
IMAGE_URI = re.compile(r"data:image/(png|jpeg|jpg|webp|gif);base64,[A-Za-z0-9+/=\s]*\Z")
PHASES = ("starting", "in_queue", "processing")


class BadQuery(ValueError):
    """A query parameter the dashboard cannot use (answered 400)."""


# --- query parameters ---------------------------------------------------------------
def text(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_TEXT:
        raise BadQuery(f"{name}: at most {MAX_TEXT} characters")
    return value


def number(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not low <= int(raw) <= high:
        raise BadQuery(f"{name}: expected a whole number within {low}..{high}")
    return int(raw)


def choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = text(query, name)
    if value is not None and value not in allowed:
        raise BadQuery(f"{name}: expected one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    first: int
    """1-based number of the first row shown (0 when none)."""
    last: int
    previous_url: str | None
    next_url: str | None


def pager(path: str, query: Mapping[str, str | None], page: int, per: int,
          total: int) -> Pager:
    pages = max(1, math.ceil(total / per))

    def url(number: int) -> str:
        kept = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{path}?{urlencode({**kept, 'page': number})}"
    first = (page - 1) * per + 1 if total else 0
    return Pager(page, pages, total, min(first, total), min(page * per, total),
                 url(page - 1) if page > 1 else None, url(page + 1) if page < pages else None)


def query_string(values: Mapping[str, str | int | None]) -> str:
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


# --- shared pieces ------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    phase: str
    x: float
    width: float
    reached: bool


@dataclass(frozen=True)
class Timeline:
    """A prediction's phases on the emulator clock, in percent of its life."""

    segments: tuple[Segment, ...]
    outcome: str
    finished: bool
    now_x: float
    label: str


def timeline(row: PredictionSummary, now: float) -> Timeline:
    starts = (row.created_at, row.queued_at, row.processing_at, row.finished_at)
    span = max(row.finished_at - row.created_at, 1e-9)

    def at(instant: float) -> float:
        return round(max(0.0, min(1.0, (instant - row.created_at) / span)) * 100, 2)
    segments = tuple(Segment(phase, at(starts[i]), round(at(starts[i + 1]) - at(starts[i]), 2),
                             now >= starts[i])
                     for i, phase in enumerate(PHASES))
    marks = [f"{phase.replace('_', ' ')} at +{starts[i] - row.created_at:.1f} s"
             for i, phase in enumerate(PHASES) if i == 0 or starts[i] < row.finished_at]
    marks.append(f"{row.outcome.replace('_', ' ')} at +{row.finished_at - row.created_at:.1f} s")
    return Timeline(segments, row.outcome, row.finished, at(now), "; ".join(marks))


def output_url(prediction_id: str, name: str) -> str:
    return f"{CDN_PREFIX}/{prediction_id}/{name}"


def thumbnail_size(size: tuple[int, int], height: int = 48) -> tuple[int, int]:
    width, tall = size
    return max(1, round(width * height / max(tall, 1))), height


def reason(entry: JournalEntry) -> str:
    """Why a request was refused, as the journal knows it."""
    if entry.status < 400:
        return ""
    parts = [entry.error or f"HTTP {entry.status}"]
    retry = entry.response_headers.get("retry-after")
    if retry:
        parts.append(f"retry after {retry} s")
    return ", ".join(parts)


# --- views --------------------------------------------------------------------------
def predictions(engine: Engine, query: Mapping[str, str]) -> dict[str, Any]:
    wanted = Filter(key=text(query, "key"), model=text(query, "model"),
                    status=choice(query, "status", STATUSES), dialect=text(query, "dialect"))
    page_number = number(query, "page", 1, 1, MAX_PAGE_NUMBER)
    per = number(query, "per", PER_PAGE, 10, 200)
    page = engine.inspect(prediction_page(wanted, (page_number - 1) * per, per))
    filters = {"key": wanted.key, "model": wanted.model, "status": wanted.status,
               "dialect": wanted.dialect}
    params = {**filters, "per": None if per == PER_PAGE else str(per)}
    return {
        "view": "predictions", "title": "Predictions", "filter": wanted, "page": page,
        "rows": [(row, timeline(row, page.now)) for row in page.rows],
        "paging": pager(PREFIX, params, page_number, per, page.total),
        "moving": any(not row.finished for row in page.rows),
        "models": sorted(set(BY_NAME) | set(page.models)),
        "dialects": sorted({"native", *page.dialects}), "statuses": STATUSES,
        "status_links": [(status, page.by_status.get(status, 0),
                          PREFIX + query_string({**filters, "status": status}))
                         for status in STATUSES if page.by_status.get(status)],
        "part_url": f"{PREFIX}/part/predictions"
                    + query_string({**params, "page": page_number}),
    }


def prediction(engine: Engine, prediction_id: str) -> dict[str, Any] | None:
    row = engine.inspect(prediction_row(prediction_id))
    if row is None:
        return None
    try:
        described = engine.describe(prediction_id)
    except UnknownPrediction:  # forgotten since the row was read (retention, a reset)
        return None
    now = engine.clock.now()
    entries = engine.journal.entries(prediction_id=prediction_id)
    return {
        "view": "predictions", "title": f"Prediction {prediction_id}", "row": row,
        "timeline": timeline(row, now), "now": now, "described": described,
        "inputs": [(name, input_value(value)) for name, value in described.inputs.items()],
        "phases": [(mark["status"], mark["at"], mark["at"] - row.created_at)
                   for mark in described.timeline],
        "outputs": [(name, output_url(row.id, name)) for name in row.output_names],
        "video": row.output_format == "mp4", "moving": not row.finished,
        "owner": "every key (the docs' example)" if row.key == ANY_KEY else row.key,
        "entries": [(entry, reason(entry)) for entry in reversed(entries)],
        "part_url": f"{PREFIX}/part/predictions/{prediction_id}",
    }


@dataclass(frozen=True)
class InputValue:
    kind: str
    """``image`` (a data URI shown inline), ``big-image``, ``text`` or ``json``."""
    text: str


def input_value(value: Any) -> InputValue:
    if isinstance(value, str):
        if value.startswith("data:image/"):
            if len(value) > MAX_INLINE_IMAGE:
                return InputValue("big-image", f"{value[:40]}… ({len(value):,} characters)")
            if IMAGE_URI.match(value[:64]) and IMAGE_URI.match(value):
                return InputValue("image", value)
        shown = value if len(value) <= 2000 else f"{value[:2000]}… ({len(value):,} characters)"
        return InputValue("text", shown)
    return InputValue("json", json.dumps(value, indent=1)[:2000])


def books(engine: Engine, query: Mapping[str, str]) -> dict[str, Any]:
    key = text(query, "key")
    page_number = number(query, "page", 1, 1, MAX_PAGE_NUMBER)
    page = engine.inspect(books_page((page_number - 1) * PER_PAGE, PER_PAGE, key))
    return {
        "view": "books", "title": "Books", "page": page, "key": key,
        "paging": pager(f"{PREFIX}/books", {"key": key}, page_number, PER_PAGE, page.total),
        "moving": any(k.slots for k in page.keys),
        "part_url": f"{PREFIX}/part/books" + query_string({"key": key, "page": page_number}),
    }


def journal(engine: Engine, query: Mapping[str, str]) -> dict[str, Any]:
    status_text = text(query, "status")
    status = number(query, "status", 0, 100, 599) if status_text else None
    filters = {"key": text(query, "key"), "method": text(query, "method"),
               "path": text(query, "path"), "dialect": text(query, "dialect"),
               "prediction_id": text(query, "prediction_id")}
    page_number = number(query, "page", 1, 1, MAX_PAGE_NUMBER)
    refused_only = query.get("refused") == "1"
    entries = engine.journal.entries(
        status=status, key=filters["key"], method=filters["method"], path=filters["path"],
        dialect=filters["dialect"], prediction_id=filters["prediction_id"])
    if refused_only:
        entries = [e for e in entries if e.status >= 400]
    newest = entries[::-1]
    start = (page_number - 1) * PER_PAGE
    params = {**filters, "status": status_text, "refused": "1" if refused_only else None}
    from fashn_mock.contract.behaviour import analyse

    everything = engine.journal.entries()
    return {
        "view": "journal", "title": "Journal and reports", "filters": filters,
        "status": status_text, "refused": refused_only,
        "entries": [(entry, reason(entry)) for entry in newest[start:start + PER_PAGE]],
        "paging": pager(f"{PREFIX}/journal", params, page_number, PER_PAGE, len(entries)),
        "capacity": engine.journal.capacity, "strict": engine.config.strict,
        "violations": [e for e in everything if e.violations][-PER_PAGE:][::-1],
        "behaviour": analyse(everything),
        "moving": False,
        "part_url": f"{PREFIX}/part/journal" + query_string({**params, "page": page_number}),
    }


def controls(engine: Engine) -> dict[str, Any]:
    return {
        "view": "controls", "title": "Controls",
        "errors": sorted(RUNTIME_ERRORS), "refusals": sorted(REFUSALS),
        "models": sorted(BY_NAME), "faults": [rule.as_json() for rule in engine.faults.rules],
        "chaos": {"failure_rate": engine.faults.failure_rate, "jitter": engine.faults.jitter},
        "config": Steering(engine).effective_config().as_json(), "moving": False,
        "part_url": f"{PREFIX}/part/controls",
    }
