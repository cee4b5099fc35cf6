"""Read-only engine views for the dashboard: pages of predictions, books, windows."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Config, Emulator
from fashn_mock.engine.inspection import (
    MAX_PAGE,
    Filter,
    books_page,
    prediction_page,
    prediction_row,
)
from fashn_mock.validation import parse_run_body
from tests.support import MINIMAL_INPUTS

TRYON = parse_run_body({"model_name": "tryon-v1.6", "inputs": MINIMAL_INPUTS["tryon-v1.6"]})
CREATE = parse_run_body({"model_name": "model-create",
                         "inputs": MINIMAL_INPUTS["model-create"]})


def emulator(**settings: Any) -> Emulator:
    return Emulator(manual_clock=True, time_scale=1, seed=3, **settings)


def test_a_page_is_newest_first_filtered_and_counted() -> None:
    mock = emulator(limits=False)
    ids = [mock.engine.submit("a" if i % 2 else "b", TRYON if i % 3 else CREATE).id
           for i in range(12)]
    page = mock.engine.inspect(prediction_page(Filter(), offset=2, limit=4))
    assert page.total == 12 and [r.id for r in page.rows] == ids[::-1][2:6]
    only_a = mock.engine.inspect(prediction_page(Filter(key="a"), limit=100))
    assert {r.key for r in only_a.rows} == {"a"} and only_a.total == 6
    created = mock.engine.inspect(prediction_page(Filter(model="model-create")))
    assert {r.model for r in created.rows} == {"model-create"}
    assert created.models == ("model-create", "tryon-v1.6") and created.dialects == ("native",)
    assert mock.engine.inspect(prediction_page(Filter(dialect="pixazo"))).total == 0


def test_status_filter_and_counts_follow_the_clock() -> None:
    mock = emulator(limits=False)
    first = mock.engine.submit("k", TRYON)
    mock.advance(first.finished_at - mock.now())
    mock.engine.submit("k", TRYON)
    page = mock.engine.inspect(prediction_page(Filter(status="completed")))
    assert [r.id for r in page.rows] == [first.id]
    assert page.by_status == {"completed": 1, "starting": 1} and page.total == 1
    row = page.rows[0]
    assert row.finished and row.output_names == ("output_0.png",) and row.size == first.size


def test_the_docs_example_is_never_listed_and_rows_copy_their_prediction() -> None:
    mock = emulator()
    assert mock.engine.inspect(prediction_page(Filter())).total == 0
    prediction = mock.engine.submit("k", TRYON)
    row = mock.engine.inspect(prediction_row(prediction.id))
    assert row is not None and row.status == "starting" and row.output_names == ()
    mock.cancel(prediction.id)
    assert row.outcome == "completed"  # the copy did not move with the prediction
    assert mock.engine.inspect(prediction_row("nope")) is None


@given(offset=st.integers(-5, 50), limit=st.integers(-5, 10_000))
def test_pages_are_bounded_whatever_is_asked(offset: int, limit: int) -> None:
    mock = emulator(limits=False)
    for _ in range(7):
        mock.engine.submit("k", TRYON)
    page = mock.engine.inspect(prediction_page(Filter(), offset, limit))
    assert len(page.rows) <= min(MAX_PAGE, max(1, limit)) and page.total == 7
    assert page.offset >= 0 and 1 <= page.limit <= MAX_PAGE


def test_books_show_balance_slots_and_rate_windows_without_counting() -> None:
    mock = emulator(concurrency=2)
    with mock.httpx_client(headers={"Authorization": "Bearer k"}) as client:
        client.post("/v1/run", json={"model_name": "tryon-v1.6",
                                     "inputs": MINIMAL_INPUTS["tryon-v1.6"]})
        client.get("/v1/credits")
    mock.set_credits(subscription=5, on_demand=7, key="k")
    books = mock.engine.inspect(books_page())
    assert books.total == 1
    key = books.keys[0]
    assert (key.key, key.slots, key.concurrency, key.predictions) == ("k", 1, 2, 1)
    assert (key.balance.subscription, key.balance.on_demand, key.balance.reserved) == (5, 7, 1)
    gauges = {g.rule: g for g in key.gauges}
    assert (gauges["run"].used, gauges["run"].limit) == (1, 50)
    assert gauges["run"].reset_at == mock.now() + 60 and gauges["status"].used == 0
    again = mock.engine.inspect(books_page()).keys[0]
    assert {g.rule: g.used for g in again.gauges} == {g.rule: g.used for g in key.gauges}
    mock.advance(61)
    settled = mock.engine.inspect(books_page(key="k")).keys[0]
    assert settled.slots == 0 and settled.balance.charged == 1
    assert {g.rule: g.used for g in settled.gauges}["run"] == 0


def test_books_list_keys_seen_only_by_rate_windows_and_page_them() -> None:
    mock = emulator(credits=9)
    for index in range(5):
        mock.engine.admit(f"key-{index}", "status")
    page = mock.engine.inspect(books_page(offset=1, limit=2))
    assert page.total == 5 and [k.key for k in page.keys] == ["key-1", "key-2"]
    assert page.keys[0].balance.total == 9 and page.keys[0].predictions == 0
    assert len(mock.engine.books) == 0  # reading opened no account
    assert mock.engine.inspect(books_page(key="key-4")).total == 1


def test_books_with_limits_off_have_no_slot_limit_nor_windows() -> None:
    mock = Emulator(Config(limits=False), manual_clock=True)
    mock.engine.submit("k", TRYON)
    key = mock.engine.inspect(books_page()).keys[0]
    assert key.concurrency is None and key.gauges == () and key.slots == 1


def test_run_until_done_moves_the_clock_to_the_last_finish() -> None:
    mock = emulator(limits=False)
    assert mock.engine.run_until_done() == mock.now()
    created = mock.engine.submit("a", CREATE)  # 12-120 s
    tryon = mock.engine.submit("b", TRYON)  # 5-17 s
    assert tryon.finished_at < created.finished_at
    assert mock.engine.run_until_done("b") == tryon.finished_at
    assert mock.engine.run_until_done() == created.finished_at
    assert mock.engine.inspect(prediction_page(Filter(status="completed"))).total == 2
    assert mock.run_until_done().now == created.finished_at  # the Emulator says the same
