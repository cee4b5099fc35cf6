"""A prediction's random numbers: a function of (seed, sequence number) only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.engine.draws import WORDS, Draws
from fashn_mock.validation import parse_run_body
from tests.support import tryon

seeds = st.integers(0, 2**32 - 1)
sequences = st.integers(1, 2**63 - 1)


@given(seeds, sequences)
def test_the_same_seed_and_sequence_draw_the_same_numbers(seed: int, sequence: int) -> None:
    first, again = Draws(seed, sequence), Draws(seed, sequence)
    drawn = [first.word() for _ in range(WORDS + 3)]  # past one digest block
    assert drawn == [again.word() for _ in range(WORDS + 3)]
    assert drawn != [Draws(seed, sequence + 1).word() for _ in range(WORDS + 3)]
    assert drawn[:2] != [Draws(seed ^ 1, sequence).word() for _ in range(2)]


@given(seeds, sequences, st.floats(-1e6, 1e6), st.floats(0, 1e6))
def test_draws_stay_in_their_ranges(seed: int, sequence: int, low: float,
                                    span: float) -> None:
    draws = Draws(seed, sequence)
    assert 0.0 <= draws.random() < 1.0
    assert low <= draws.uniform(low, low + span) <= low + span
    assert draws.choice("abc") in "abc"
    assert 0 <= draws.getrandbits(128) < 2**128 and 0 <= draws.getrandbits(7) < 2**7


def test_draws_spread_like_a_generator() -> None:
    values = [Draws(3, n).random() for n in range(1, 2001)]
    assert 0.45 < sum(values) / len(values) < 0.55
    assert len({round(v, 6) for v in values}) > 1990


def test_ids_depend_on_the_sequence_not_on_what_came_before() -> None:
    """Two emulators seeded alike make the same n-th prediction whatever else they did;
    predictions numbered apart (as processes sharing a store number them) differ."""
    body = parse_run_body(tryon())
    one, two = Emulator(seed=11, manual_clock=True), Emulator(seed=11, manual_clock=True)
    first = one.engine.submit("a", body)
    two.engine.sequence.take()  # another process took number 1
    second = two.engine.submit("b", body)
    assert first.id != second.id
    assert Emulator(seed=11, manual_clock=True).engine.submit("c", body).id == first.id
    one.reset()
    assert one.engine.submit("d", body).id == first.id  # a reset restarts the numbering
