"""The recorder saves in the background: changes are batched, unchanged entries are
not dumped again, failures surface at flush, and nothing is lost at exit."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fashn_mock.cassettes import Cassette, atomic, format, writer
from fashn_mock.cassettes.format import Interaction, Request, Response
from fashn_mock.cassettes.recorder import Recorder
from fashn_mock.cassettes.redact import Redactor

KEY = "s3cret-token-value-42"


def credits(rec: Recorder, n: int, note: str = "") -> None:
    rec.exchange(Request("GET", "/v1/credits"),
                 Response(200, {}, {"credits": {"total": n}, "note": note}))


class Gate:
    """Holds the first file write until released, counting writes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.writes = 0
        real = atomic.write_atomic

        def gated(path: Path, data: bytes) -> None:
            self.writes += 1
            if self.writes == 1:
                self.entered.set()
                assert self.release.wait(30)
            real(path, data)

        monkeypatch.setattr(writer, "write_atomic", gated)


def test_changes_made_during_a_write_are_batched_into_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate(monkeypatch)
    rec = Recorder(Cassette(tmp_path / "c.yaml"))
    credits(rec, 0)
    assert gate.entered.wait(30)  # the first write is under way (and held)
    for n in range(1, 200):
        credits(rec, n)  # no request waits for a write: these only mark the cassette dirty
    gate.release.set()
    rec.flush()
    assert gate.writes == 2 == rec.writer.writes  # 200 changes, 2 writes
    totals = [i.response.body["credits"]["total"]
              for i in Cassette.load(tmp_path / "c.yaml").interactions]
    assert totals == list(range(200))


def test_only_changed_entries_are_dumped_again(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    dumped: list[str] = []
    real = format.dump_interaction

    def noting(interaction: Interaction, redactor: Redactor | None = None) -> str:
        dumped.append(interaction.request.path)
        return real(interaction, redactor)

    monkeypatch.setattr(writer, "dump_interaction", noting)
    rec = Recorder(Cassette(tmp_path / "c.yaml"))
    for n in range(50):
        credits(rec, n)
        rec.flush()  # 50 writes of a growing file...
    assert len(dumped) == 50  # ...but each entry was dumped once
    rec.redactor.add_secret(KEY)  # a new secret: every cached entry is stale
    credits(rec, 50)
    rec.flush()
    assert len(dumped) == 50 + 51


def test_a_secret_learnt_later_is_redacted_from_earlier_entries(tmp_path: Path) -> None:
    rec = Recorder(Cassette(tmp_path / "c.yaml"))
    credits(rec, 1, note=f"pasted {KEY}")
    rec.flush()
    assert KEY in (tmp_path / "c.yaml").read_text()  # nothing said it was a secret yet
    rec.redactor.add_authorization(f"Bearer {KEY}")
    credits(rec, 2)
    rec.close()
    assert KEY not in (tmp_path / "c.yaml").read_text()


def test_a_failed_write_is_raised_at_flush(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "write_atomic", full)
    rec = Recorder(Cassette(tmp_path / "c.yaml"))
    credits(rec, 1)  # the request itself is not failed
    with pytest.raises(OSError, match="No space left"):
        rec.flush()
    credits(rec, 2)
    with pytest.raises(OSError, match="No space left"):
        rec.close()


SCRIPT = """
import sys
from pathlib import Path
from fashn_mock.cassettes import Cassette
from fashn_mock.cassettes.format import Interaction, Request, Response
from fashn_mock.cassettes.redact import Redactor
from fashn_mock.cassettes.recorder import Recorder
rec = Recorder(Cassette(Path(sys.argv[1])))
for n in range(300):
    rec.exchange(Request("GET", "/v1/credits"), Response(200, {}, {"n": n}))
# no flush, no close: the interpreter waits for the writer at exit
"""


def test_the_last_batch_is_written_at_exit_without_close(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "c.yaml")], check=True,
                   timeout=120)
    interactions = Cassette.load(tmp_path / "c.yaml").interactions
    assert [i.response.body["n"] for i in interactions] == list(range(300))
