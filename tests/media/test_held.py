from __future__ import annotations

import hashlib
import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from fashn_mock.media.held import PREFIX, HeldInputs, is_token, prepare, token
from fashn_mock.media.opening import open_image
from tests.media import images


def noise(size: tuple[int, int], seed: int = 0) -> bytes:
    """An incompressible PNG: its file is about as large as its pixels."""
    rng = random.Random(seed)
    picture = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    return images.encode(picture)


def test_a_token_names_the_sha256_of_the_text() -> None:
    text = "data:image/png;base64," + "A" * 3_000_000
    assert token(text) == PREFIX + hashlib.sha256(text.encode()).hexdigest()
    assert is_token(token(text)) and not is_token(text) and not is_token(token(text) + "0")


def test_small_files_are_held_as_they_are() -> None:
    raw = images.encode(images.person((300, 450)))
    held = prepare(raw, (300, 450))
    assert held is not None and held.raw == raw and held.image is None
    assert held.size == len(raw)


def test_large_files_are_held_as_the_pixels_rendering_draws() -> None:
    raw = noise((800, 600))
    held = prepare(raw, (100, 75))
    expected = open_image(raw, (100, 75))
    assert held is not None and held.image is not None and expected is not None
    assert held.raw is None and held.size < len(raw) / 10
    assert held.image.tobytes() == expected.tobytes() and held.image.mode == expected.mode
    assert getattr(held.image, "fp", None) is None  # the file's bytes are not kept with it


@pytest.mark.parametrize(("raw", "target"), [
    (noise((300, 200)), (300, 200)),  # the pixels are barely smaller: the file is kept
    (noise((300, 200)), (20, 20)),
    (images.encode(images.person((1200, 1800)), "jpeg"), (20, 30)),
    (images.encode(images.person((120, 180)).convert("RGBA")), (12, 18)),
])
def test_pixels_are_held_when_at_most_half_the_file(raw: bytes, target: tuple[int, int]) -> None:
    held, image = prepare(raw, target), open_image(raw, target)
    assert held is not None and image is not None
    pixels = image.width * image.height * len(image.getbands())
    worth_it = len(raw) > target[0] * target[1] * 3 and 2 * pixels <= len(raw)
    assert held.size == (pixels if worth_it else len(raw))
    shown = held.load(target)
    assert shown is not None and shown.tobytes() == image.tobytes()


def test_the_same_content_is_held_once_and_shared() -> None:
    store = HeldInputs(10**6)
    raw = images.encode(images.shirt())
    stand_in = token("data:image/png;base64,xyz")
    store.hold(stand_in, raw, (200, 200))
    store.hold(stand_in, raw, (200, 200))
    assert len(store) == 1 and store.used_bytes == len(raw)
    got = store.get(stand_in, (200, 200))
    assert got is not None and got.size == (200, 200)


def test_the_least_recently_used_goes_first_and_lookups_count() -> None:
    raws = [noise((40, 40), seed) for seed in range(3)]
    store = HeldInputs(2 * len(raws[0]) + 10)
    tokens = [token(f"input {i}") for i in range(3)]
    store.hold(tokens[0], raws[0], (40, 40))
    store.hold(tokens[1], raws[1], (40, 40))
    assert store.get(tokens[0], (40, 40)) is not None  # now the most recent
    store.hold(tokens[2], raws[2], (40, 40))
    assert store.get(tokens[1], (40, 40)) is None
    assert store.get(tokens[0], (40, 40)) is not None and store.get(tokens[2], (40, 40))
    assert (store.released, store.misses) == (1, 1)


def test_nothing_is_held_without_a_budget_or_beyond_it() -> None:
    raw = noise((64, 64))
    held = prepare(raw, (64, 64))
    assert held is not None
    for budget in (0, held.size - 1):
        store = HeldInputs(budget)
        store.hold(token("x"), raw, (64, 64))
        assert len(store) == 0 and store.used_bytes == 0
        assert store.get(token("x"), (64, 64)) is None


def test_undecodable_bytes_are_not_held() -> None:
    store = HeldInputs(10**6)
    store.hold(token("x"), b"\x89PNG not really" * 10_000, (10, 10))
    assert len(store) == 0


def test_only_tokens_are_resolved() -> None:
    store = HeldInputs(10**6)
    assert not store.owns(images.uri(images.shirt()))
    assert store.get("https://example.com/a.png", (10, 10)) is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(4, 40)), max_size=25),
       st.integers(0, 20_000))
def test_the_budget_is_never_exceeded(holds: list[tuple[int, int]], budget: int) -> None:
    store = HeldInputs(budget)
    for which, side in holds:
        store.hold(token(f"{which}"), noise((side, side), which), (side, side))
        assert store.used_bytes <= budget
        assert store.used_bytes == sum(held.size for held in store._entries.values())


def test_concurrent_holds_and_gets_keep_the_books() -> None:
    store = HeldInputs(6 * 40 * 40 * 3)
    raws = [noise((40, 40), seed) for seed in range(12)]

    def work(offset: int) -> None:
        for i in range(40):
            n = (i + offset) % len(raws)
            store.hold(token(str(n)), raws[n], (40, 40))
            store.get(token(str((n + 3) % len(raws))), (40, 40))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.used_bytes == sum(held.size for held in store._entries.values())
    assert store.used_bytes <= store.budget_bytes
