from __future__ import annotations

import json
import math
from functools import partial
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.engine.journal import MAX_DEPTH, MAX_VALUES, Journal, JournalEntry, shorten


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


def deep_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def test_shortened_values_are_small_and_strict_json() -> None:
    body = {"deep": deep_list(5000), "wide": list(range(10_000)), "nan": math.nan,
            "inf": -math.inf, "big": 10**4000, "\ud800key": "lone \udfff surrogate",
            "ok": [1, 2.5, True, None, "x"]}
    short = shorten(body)
    encoded = json.dumps(short, allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert len(encoded) < 4000
    assert short["nan"] == "NaN" and short["inf"] == "-Infinity"
    assert short["big"] == "<integer of 13288 bits>"
    assert short["\ufffdkey"] == "lone \ufffd surrogate"
    assert short["ok"] == [1, 2.5, True, None, "x"]
    depth, value = 0, short["deep"]
    while isinstance(value, list):
        depth, value = depth + 1, value[0]
    assert depth == MAX_DEPTH - 1 and value == "<array of 1 items>"
    assert short["wide"][:3] == [0, 1, 2] and short["wide"][-1] == "<9936 more items>"
    long = shorten([[list(range(60))] * 60])  # 3,600 numbers: the budget runs out
    assert sum(len(row) for row in long[0]) < MAX_VALUES + 60


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(st.characters(exclude_categories=())),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(st.characters(exclude_categories=()), max_size=6), children,
                      max_size=4), max_leaves=40)


@given(value=json_like, depth=st.integers(0, 2000))
def test_any_value_shortens_to_strict_json(value: Any, depth: int) -> None:
    for _ in range(depth):
        value = {"a": value}
    json.dumps(shorten(value), allow_nan=False, ensure_ascii=False).encode("utf-8")


def at_time(at: float, seq: int) -> JournalEntry:
    return entry(at)


def test_the_journal_is_bounded_in_bytes() -> None:
    journal = Journal(capacity=100, max_bytes=10_000)
    for i in range(10):
        journal.record_lazy(partial(at_time, float(i)), size=3000)
    assert journal.bytes <= 10_000 and len(journal) == 3
    assert [e.at for e in journal.entries()] == [7.0, 8.0, 9.0]
    journal.record(entry(10.0), size=50_000)  # larger than the budget: kept alone
    assert len(journal) == 1 and journal.bytes == 50_000
    journal.forget()
    assert journal.bytes == 0 and len(journal) == 0


def test_an_entry_that_fails_to_build_does_not_break_reading() -> None:
    journal = Journal()
    journal.record(entry(1.0))

    def broken(seq: int) -> JournalEntry:
        raise RecursionError("maximum recursion depth exceeded")

    journal.record_lazy(broken)
    journal.record(entry(3.0))
    found = journal.entries()
    assert [e.seq for e in found] == [1, 2, 3]
    assert found[1].error == ("this exchange could not be recorded: "
                              "RecursionError('maximum recursion depth exceeded')")
    json.dumps([e.as_json() for e in found], allow_nan=False)
