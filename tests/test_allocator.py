from __future__ import annotations

import subprocess
import sys

import pytest

from fashn_mock import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc tuning")
def test_glibc_takes_both_options_in_a_fresh_process() -> None:
    # in a child: mallopt changes the process it runs in
    code = "from fashn_mock import allocator; print(sorted(allocator.tune()))"
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.strip()
    if out == "[]":
        pytest.skip("not glibc")
    assert out == "['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']"


def test_environment_variables_take_precedence() -> None:
    code = "from fashn_mock import allocator; print(sorted(allocator.tune()))"
    env = {"PATH": "/usr/bin:/bin", "MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "65536"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.strip()
    assert out == "[]"


def test_elsewhere_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert allocator.tune() == {}
