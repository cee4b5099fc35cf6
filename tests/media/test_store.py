from __future__ import annotations

import threading

import pytest

from fashn_mock.media import MediaStore, RenderJob


def job(seed: int) -> RenderJob:
    return RenderJob("model-create", '{"prompt":"x"}', seed, 0, (32, 32), "png")


class Renderer:
    """A renderer that makes ``size`` bytes and counts its calls."""

    def __init__(self, size: int = 100) -> None:
        self.size = size
        self.calls: list[RenderJob] = []

    def __call__(self, render_job: RenderJob) -> bytes:
        self.calls.append(render_job)
        return bytes([render_job.seed % 256]) * self.size


def test_hits_are_served_without_rendering_again() -> None:
    renderer = Renderer()
    store = MediaStore(1000, renderer)
    assert store.get(job(1)) == store.get(job(1))
    assert len(renderer.calls) == 1 and store.renders == 1


def test_the_budget_is_never_exceeded_and_the_least_recent_goes_first() -> None:
    store = MediaStore(350, Renderer(100))
    for seed in (1, 2, 3):
        store.get(job(seed))
    store.get(job(1))  # 1 is now the most recently used
    store.get(job(4))
    assert store.used_bytes == 300 <= store.budget_bytes
    assert job(2) not in store and all(job(s) in store for s in (1, 3, 4))


def test_an_output_larger_than_the_budget_is_served_but_not_kept() -> None:
    store = MediaStore(50, Renderer(100))
    assert len(store.get(job(1))) == 100
    assert len(store) == 0 and store.used_bytes == 0


def test_concurrent_requests_for_one_output_render_it_once() -> None:
    release, started = threading.Event(), threading.Event()
    calls: list[RenderJob] = []

    def slow(render_job: RenderJob) -> bytes:
        calls.append(render_job)
        started.set()
        release.wait(10)
        return b"done"

    store = MediaStore(1000, slow)
    results: list[bytes] = []
    first = threading.Thread(target=lambda: results.append(store.get(job(1))))
    first.start()
    assert started.wait(10)
    waiters = [threading.Thread(target=lambda: results.append(store.get(job(1))))
               for _ in range(3)]
    for thread in waiters:
        thread.start()
    release.set()
    for thread in [first, *waiters]:
        thread.join(10)
    assert results == [b"done"] * 4 and len(calls) == 1


def test_a_failed_render_is_raised_and_retried_next_time() -> None:
    attempts: list[int] = []

    def flaky(render_job: RenderJob) -> bytes:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("boom")
        return b"ok"

    store = MediaStore(1000, flaky)
    with pytest.raises(RuntimeError, match="boom"):
        store.get(job(1))
    assert store.get(job(1)) == b"ok"
