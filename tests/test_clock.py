from __future__ import annotations

import pytest

from fashn_mock.clock import MANUAL_EPOCH, Clock


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = Clock.manual()
    assert clock.now() == MANUAL_EPOCH
    assert clock.advance(2.5) == MANUAL_EPOCH + 2.5
    assert clock.now() == MANUAL_EPOCH + 2.5
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_running_clock_can_be_frozen_advanced_and_resumed() -> None:
    source = iter([100.0, 101.0, 150.0, 151.0])
    clock = Clock(lambda: next(source))
    assert clock.now() == 100.0
    assert clock.freeze() == 101.0
    assert clock.now() == 101.0
    clock.advance(10)
    assert clock.now() == 111.0
    assert clock.unfreeze() == 111.0  # source says 150: the offset keeps time continuous
    assert clock.now() == 112.0
