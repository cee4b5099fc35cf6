"""One cassette used in one record mode, the way pytest-recording's modes work.

============  =====================================  ===============================
mode          cassette exists                        cassette missing
============  =====================================  ===============================
none          replay; unmatched runs fail            error
once          replay; unmatched runs fail            record everything
new_episodes  replay matched runs, record the rest   record everything
all           re-record everything (file replaced)   record everything
============  =====================================  ===============================

``CassetteSession`` wires the pieces: a ``ReplaySource`` on the emulator when
something replays, a recording ``Proxy`` in front of the real API when something
records. ``base_url`` is where clients should point (the proxy while recording,
else the emulator); ``record`` (the CLI) serves ``session.proxy.app`` itself and
calls ``session.close()`` when the server stops: the recorder writes in the
background, batching changes, and ``close`` waits for the last write and raises
if one failed (a process that simply exits still writes its last batch).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from fashn_mock.cassettes.format import Cassette, CassetteError
from fashn_mock.cassettes.matcher import Matcher
from fashn_mock.cassettes.proxy import MAX_BODY, Proxy
from fashn_mock.cassettes.recorder import Recorder
from fashn_mock.cassettes.redact import Redactor
from fashn_mock.cassettes.replay import ReplaySource
from fashn_mock.emulator import Emulator
from fashn_mock.server import BackgroundServer

DEFAULT_UPSTREAM = "https://api.fashn.ai"


class RecordMode(StrEnum):
    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


@dataclass(frozen=True)
class Plan:
    replay: bool
    record: bool
    fresh: bool
    """Start from an empty cassette (the file is replaced at the first save)."""


def plan(mode: RecordMode | str, exists: bool) -> Plan:
    match RecordMode(mode):
        case RecordMode.NONE:
            return Plan(replay=True, record=False, fresh=False)
        case RecordMode.ONCE:
            return Plan(replay=exists, record=not exists, fresh=not exists)
        case RecordMode.NEW_EPISODES:
            return Plan(replay=exists, record=True, fresh=not exists)
        case RecordMode.ALL:
            return Plan(replay=False, record=True, fresh=True)
    raise AssertionError(mode)  # pragma: no cover


class CassetteSession:
    def __init__(self, path: Path | str, mode: RecordMode | str = RecordMode.NONE, *,
                 emulator: Emulator | None = None, upstream: str = DEFAULT_UPSTREAM,
                 redact: Sequence[str] = (), matcher: Matcher | None = None,
                 by_polls: bool = False, clock: Callable[[], float] | None = None,
                 max_body: int = MAX_BODY) -> None:
        """``clock`` times the recorded timelines (default: monotonic wall time);
        ``max_body`` caps request bodies through the proxy (413 beyond)."""
        self.path = Path(path)
        self.mode = RecordMode(mode)
        self.emulator = emulator or Emulator(time_scale=1, limits=False)
        self.upstream = upstream
        self.plan = plan(self.mode, self.path.exists())
        if self.mode is RecordMode.NONE and not self.path.exists():
            raise CassetteError(f"{self.path}: no such cassette (record mode none replays "
                                "only; record it with mode once)")
        if self.plan.fresh:
            cassette = Cassette(self.path, redactions=list(redact), upstream=upstream)
        else:
            cassette = Cassette.load(self.path)
            cassette.redactions += [p for p in redact if p not in cassette.redactions]
        self.cassette = cassette
        self.replay: ReplaySource | None = None
        if self.plan.replay:
            self.replay = ReplaySource([cassette], matcher=matcher, by_polls=by_polls,
                                       strict=True).attach(self.emulator)
        self.recorder = Recorder(cassette, Redactor(cassette.redactions),
                                 clock=clock or time.monotonic) if self.plan.record else None
        self.proxy = Proxy(upstream, recorder=self.recorder, replay=self.replay,
                           emulator=self.emulator.app, max_body=max_body)
        self._server: BackgroundServer | None = None

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    @property
    def misses(self) -> list[str]:
        """Why each unmatched ``/v1/run`` found no recording (the most recent ones:
        ``miss_count`` counts them all)."""
        return self.replay.misses if self.replay else []

    @property
    def miss_count(self) -> int:
        return self.replay.miss_count if self.replay else 0

    @property
    def base_url(self) -> str:
        """Where clients should point: the recording proxy, else the emulator."""
        if self._server is not None:
            return self._server.url
        return self.emulator.base_url

    def __enter__(self) -> CassetteSession:
        if self.recording:
            self._server = BackgroundServer(self.proxy.app).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the proxy and write the last changes (raises if the cassette could not
        be written, e.g. ``SecretLeak``)."""
        if self._server is not None:
            self.proxy.close()
            self._server.stop()
            self._server = None
        if self.recorder is not None:
            self.recorder.close()
