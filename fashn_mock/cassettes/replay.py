"""Answer ``/v1/run`` from recorded cassettes (``engine.playback.PlaybackSource``).

A request that matches a recording gets a fresh id whose status replays the
recorded timeline (``RecordedPlayback``); a recorded HTTP error (a 429, say) is
answered again. Several recordings of the same request play in recorded order,
then round again. An unmatched request is emulated as usual, or, when strict,
answered ``400`` with the nearest recording explained field by field.

Misses are counted, and the last ``MAX_MISSES`` explanations kept (memory and time
per run stay flat however many runs miss); ``report()`` shows them as JSON-able
data (``GET /_mock/replay``, see ``cassettes.routes``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fashn_mock.cassettes.errors import http_error
from fashn_mock.cassettes.format import Cassette, Interaction, cassette_files
from fashn_mock.cassettes.matcher import Matcher, Normalised, from_body, from_run
from fashn_mock.cassettes.media import MediaDir
from fashn_mock.cassettes.playback import RecordedPlayback, recorded_error
from fashn_mock.cassettes.redact import Redactor
from fashn_mock.validation import RunRequest

if TYPE_CHECKING:
    from fashn_mock.engine import Engine


class HasEngine(Protocol):
    """An ``Emulator`` (or anything holding an engine)."""

    engine: Engine

UNMATCHED_HEADER = "x-fashn-mock-replay"
MAX_MISSES = 100
"""Unmatched requests whose explanation is kept (the most recent ones)."""
MAX_DIFFERENCES = 20
"""Differing fields listed in one explanation."""


@dataclass(frozen=True)
class Miss:
    number: int
    """1 for the first unmatched request of this source, and so on."""
    model_name: str
    explanation: str


@dataclass
class _Shelf:
    """One cassette, indexed by match key."""

    cassette: Cassette
    redactor: Redactor
    media: MediaDir
    runs: list[tuple[int, Normalised]]
    """(interaction number in the cassette, normalised request) of every run."""
    by_key: dict[str, list[Interaction]]


class ReplaySource:
    def __init__(self, cassettes: Iterable[Cassette], *, matcher: Matcher | None = None,
                 by_polls: bool = False, strict: bool = False) -> None:
        self.matcher = matcher or Matcher()
        self.by_polls = by_polls
        self.strict = strict
        self.miss_count = 0
        """Unmatched requests so far (strict or not)."""
        self._misses: deque[Miss] = deque(maxlen=MAX_MISSES)
        self.played = 0
        self._turns: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()
        self._shelves = [self._shelf(c) for c in cassettes]

    @classmethod
    def load(cls, paths: Path | str | Sequence[Path | str], **options: Any) -> ReplaySource:
        """Every cassette at ``paths`` (files, or directories searched recursively)."""
        many = [paths] if isinstance(paths, str | Path) else list(paths)
        return cls([Cassette.load(f) for p in many for f in cassette_files(p)], **options)

    def attach(self, emulator: HasEngine) -> ReplaySource:
        """Make ``emulator`` answer matching runs from these recordings."""
        emulator.engine.playback = self
        return self

    @property
    def cassettes(self) -> list[Cassette]:
        return [shelf.cassette for shelf in self._shelves]

    @property
    def misses(self) -> list[str]:
        """Why each of the last ``MAX_MISSES`` unmatched requests found no recording."""
        with self._lock:
            return [miss.explanation for miss in self._misses]

    def report(self) -> dict[str, Any]:
        """What is loaded, what played, and the recent misses, oldest first."""
        with self._lock:
            recent = [asdict(miss) for miss in self._misses]
            played, missed = self.played, self.miss_count
        return {"replaying": True,
                "cassettes": [str(shelf.cassette.path) for shelf in self._shelves],
                "recorded_runs": sum(len(shelf.runs) for shelf in self._shelves),
                "match": self.matcher.describe(), "by": "polls" if self.by_polls else "time",
                "strict": self.strict, "played": played,
                "misses": {"total": missed, "kept": len(recent), "limit": MAX_MISSES,
                           "recent": recent}}

    def _shelf(self, cassette: Cassette) -> _Shelf:
        redactor = cassette.redactor()
        runs = [(number, from_body(i.request.body, i.request.query, redactor))
                for number, i in enumerate(cassette.interactions, 1) if i.is_run]
        by_key: dict[str, list[Interaction]] = {}
        for number, normalised in runs:
            by_key.setdefault(self.matcher.key(normalised), []).append(
                cassette.interactions[number - 1])
        return _Shelf(cassette, redactor, MediaDir(cassette.media_root), runs, by_key)

    # --- matching ----------------------------------------------------------------------
    def peek(self, run: RunRequest, query: Mapping[str, str]) -> bool:
        """Whether a recording matches, without playing it."""
        return any(self._key(shelf, run, query) in shelf.by_key for shelf in self._shelves)

    def match(self, key: str, run: RunRequest,
              query: Mapping[str, str]) -> RecordedPlayback | None:
        for number, shelf in enumerate(self._shelves):
            match_key = self._key(shelf, run, query)
            found = shelf.by_key.get(match_key)
            if found:
                with self._lock:
                    turn = self._turns.get((number, match_key), 0)
                    self._turns[(number, match_key)] = turn + 1
                    self.played += 1
                return self._play(found[turn % len(found)], shelf)
        explanation = self.explain(run, query)
        with self._lock:
            self.miss_count += 1
            self._misses.append(Miss(self.miss_count, run.spec.name, explanation))
        if self.strict:
            raise http_error(400, "BadRequest", explanation, {UNMATCHED_HEADER: "unmatched"})
        return None

    def _key(self, shelf: _Shelf, run: RunRequest, query: Mapping[str, str]) -> str:
        return self.matcher.key(from_run(run, query, shelf.redactor))

    def _play(self, interaction: Interaction, shelf: _Shelf) -> RecordedPlayback:
        if interaction.prediction_id is None:
            raise recorded_error(interaction.response)
        return RecordedPlayback(interaction, shelf.media, by_polls=self.by_polls)

    def explain(self, run: RunRequest, query: Mapping[str, str]) -> str:
        """Why nothing matched: the nearest recorded run, field by field."""
        head = (f"fashn-mock replay: no recorded /v1/run matches this {run.spec.name} request "
                f"(matching on {self.matcher.describe()})")
        best: tuple[int, str] | None = None
        for shelf in self._shelves:
            sent = from_run(run, query, shelf.redactor)
            for number, recorded in shelf.runs:
                differences = self.matcher.differences(recorded, sent)
                rank = len(differences) + (100 if recorded.get("model_name") !=
                                           sent.get("model_name") else 0)
                if best is None or rank < best[0]:
                    lines = "\n".join(f"  {d}" for d in differences[:MAX_DIFFERENCES])
                    if len(differences) > MAX_DIFFERENCES:
                        lines += f"\n  ... and {len(differences) - MAX_DIFFERENCES} more"
                    best = (rank, f"nearest: {shelf.cassette.path} #{number} "
                                  f"({recorded.get('model_name')}), {len(differences)} "
                                  f"field(s) differ:\n{lines}")
        if best is None:
            where = ", ".join(str(s.cassette.path) for s in self._shelves) or "none loaded"
            return f"{head}; the cassettes hold no /v1/run ({where})"
        return f"{head}; {best[1]}"
