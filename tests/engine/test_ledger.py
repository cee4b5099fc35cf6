from __future__ import annotations

from fashn_mock.engine.ledger import Balance


def test_subscription_credits_are_spent_first() -> None:
    balance = Balance(subscription=3, on_demand=10)
    assert balance.reserve(5)
    balance.charge(5)
    assert balance.as_json() == {"total": 8, "subscription": 0, "on_demand": 8}
    assert balance.charged == 5 and balance.reserved == 0


def test_reservations_prevent_overdraft_and_release_is_free() -> None:
    balance = Balance(on_demand=4)
    assert balance.reserve(3)
    assert not balance.reserve(2)
    balance.release(3)
    assert balance.available == 4 and balance.total == 4


def test_set_total_moves_everything_to_on_demand() -> None:
    balance = Balance(subscription=5, on_demand=5)
    balance.set(7)
    assert balance.as_json() == {"total": 7, "subscription": 0, "on_demand": 7}
    balance.set(subscription=2)
    assert balance.total == 9
