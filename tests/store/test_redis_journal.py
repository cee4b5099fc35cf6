"""The request journal in the shared store: bounded, numbered across processes."""

from __future__ import annotations

from fashn_mock.engine import Engine
from fashn_mock.engine.journal import JournalEntry


def entry(key: str, path: str = "/v1/run") -> JournalEntry:
    return JournalEntry(0, 1.0, "POST", path, {}, key, {"x": 1}, status=200)


def test_entries_of_both_processes_are_numbered_and_bounded(
        pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.journal.capacity = b.journal.capacity = 3
    for n in range(2):
        a.journal.record(entry("ka", f"/a{n}"))
        a.journal.flush()  # type: ignore[attr-defined]
        b.journal.record(entry("kb", f"/b{n}"))
        b.journal.flush()  # type: ignore[attr-defined]
    seen = a.journal.entries()
    assert [(e.seq, e.path) for e in seen] == [(2, "/b0"), (3, "/a1"), (4, "/b1")]
    assert a.journal.entries(key="ka") == [e for e in seen if e.key == "ka"]
    assert len(a.journal) == 3 and a.journal.seq == 4


def test_forgetting_a_key_drops_only_its_entries(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.journal.record(entry("ka"))
    b.journal.record(entry("kb"))
    b.journal.flush()  # type: ignore[attr-defined]
    a.journal.forget("kb")
    assert [e.key for e in b.journal.entries()] == ["ka"]


def test_closing_writes_what_waits(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.journal.record(entry("ka", "/last-words"))
    a.close()
    assert [e.path for e in b.journal.entries()] == ["/last-words"]
