from __future__ import annotations

import pytest

from fashn_mock import Emulator
from fashn_mock.engine.accounts import Books
from fashn_mock.engine.errors import NoFreeSlot, OutOfCredits
from fashn_mock.engine.ledger import UNLIMITED
from fashn_mock.validation import parse_run_body
from tests.support import tryon


def test_reserve_refuses_without_slot_or_credit() -> None:
    books = Books(starting_credits=3, concurrency=1, limits=True)
    account = books.account("k")
    books.reserve(account, 0.0, 3)
    account.open = 1
    with pytest.raises(NoFreeSlot):
        books.reserve(account, 0.0, 0)
    account.open = 0
    with pytest.raises(OutOfCredits) as caught:
        books.reserve(account, 0.0, 1)
    assert (caught.value.cost, caught.value.available) == (1, 0)


def test_idle_untouched_keys_are_forgotten_and_moved_balances_kept() -> None:
    books = Books(starting_credits=None, concurrency=6, limits=True)
    books.account("idle")
    books.account("spender").balance.set(5)
    assert books.sweep() == 2 and len(books) == 0
    assert books.account("idle").balance.total == UNLIMITED
    assert books.account("spender").balance.total == 5  # revived with its numbers


def test_a_key_per_request_does_not_grow_state_forever() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0)
    engine = emulator.engine
    for i in range(2000):
        engine.balance(f"fresh-{i}")
        engine.admit(f"fresh-{i}", "credits")
    emulator.advance(61)
    engine.status("someone", "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1")  # any call sweeps
    assert len(engine.books) <= 1 and len(engine.rates) == 0


def test_setting_a_balance_below_running_reservations_never_goes_negative(
        emulator: Emulator) -> None:
    engine = emulator.engine
    emulator.set_credits(10, key="k")
    for _ in range(4):
        engine.submit("k", parse_run_body(tryon(num_samples=2)))
    emulator.set_credits(1, key="k")  # while 8 credits are reserved
    emulator.advance(60)
    balance = emulator.credits("k")
    assert balance.total == 0 and balance.available == 0
    assert balance.charged + balance.waived == 8 and balance.charged == 1
