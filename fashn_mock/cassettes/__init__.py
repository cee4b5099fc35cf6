"""Record real FASHN sessions once, replay them forever (polling included).

- ``CassetteSession(path, mode, ...)``: one cassette in a record mode (``none``,
  ``once``, ``new_episodes``, ``all``); records through a ``Proxy`` in front of the
  real API and replays through the emulator (``fashn-mock record``, pytest marker).
- ``ReplaySource.load(path).attach(emulator)``: answer matching runs from
  cassettes (``fashn-mock serve --replay``).
- ``Cassette``: the file format; ``Matcher``: what makes two requests the same;
  ``Redactor``: what never reaches disk.
- ``verify(paths)``: the drift report (``fashn-mock contract verify-cassettes``).
- ``routes.routes(emulator)``: ``GET /_mock/replay``, the replay report.

Cassettes are untrusted input: ``safeyaml`` and ``validate`` refuse what could hurt
(aliases, non-finite numbers, out-of-range values, unsafe media, slow patterns)
with ``file:line``; ``errors`` is the one place that builds the engine's errors.
"""

from fashn_mock.cassettes.drift import DriftReport, verify
from fashn_mock.cassettes.format import Cassette, CassetteError
from fashn_mock.cassettes.matcher import Matcher
from fashn_mock.cassettes.redact import Redactor, SecretLeak
from fashn_mock.cassettes.replay import ReplaySource
from fashn_mock.cassettes.session import CassetteSession, RecordMode

__all__ = ["Cassette", "CassetteError", "CassetteSession", "DriftReport", "Matcher",
           "RecordMode", "Redactor", "ReplaySource", "SecretLeak", "verify"]
