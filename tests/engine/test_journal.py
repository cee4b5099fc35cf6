from __future__ import annotations

from fashn_mock.engine.journal import Journal, JournalEntry, shorten


def entry(at: float, key: str = "k", path: str = "/v1/run", status: int = 200) -> JournalEntry:
    return JournalEntry(seq=0, at=at, method="POST", path=path, query={}, key=key, body=None,
                        status=status)


def test_journal_is_bounded_and_numbered() -> None:
    journal = Journal(capacity=3)
    for i in range(5):
        journal.record(entry(float(i)))
    assert len(journal) == 3
    assert [e.seq for e in journal.entries()] == [3, 4, 5]


def test_filters() -> None:
    journal = Journal()
    journal.record(entry(1, key="a"))
    journal.record(entry(2, key="b", path="/v1/status/x", status=404))
    journal.record(entry(3, key="a", status=429))
    assert [e.at for e in journal.entries(key="a")] == [1, 3]
    assert [e.at for e in journal.entries(path="/v1/status")] == [2]
    assert [e.at for e in journal.entries(status=429)] == [3]
    assert [e.at for e in journal.entries(since=2)] == [2, 3]
    assert [e.at for e in journal.entries(limit=1)] == [3]
    assert journal.entries(method="get") == []
    journal.forget("a")
    assert [e.key for e in journal.entries()] == ["b"]


def test_long_strings_are_shortened() -> None:
    body = {"inputs": {"image": "data:image/png;base64," + "A" * 5000, "seed": 1}}
    short = shorten(body)
    assert len(short["inputs"]["image"]) < 100 and "5022 chars" in short["inputs"]["image"]
    assert short["inputs"]["seed"] == 1
