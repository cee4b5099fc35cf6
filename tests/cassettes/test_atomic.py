"""Cassettes are written atomically: a crash leaves the old file or the new one."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fashn_mock.cassettes import Cassette, CassetteError, atomic
from fashn_mock.cassettes.atomic import write_atomic
from fashn_mock.cassettes.format import Interaction, Request, Response, cassette_files

WRITER = """
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("atomic", sys.argv[2])  # stdlib only: fast
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
write_atomic = atomic.write_atomic
path = Path(sys.argv[1])
print("ready", flush=True)
n = 0
while True:  # large versions, so a kill very likely lands in the middle of one
    n += 1
    write_atomic(path, (f"version: {n}\\nfill: " + "x" * 2_000_000 + "\\nend: true\\n").encode())
"""


def cassette(path: Path, body: str) -> Cassette:
    interaction = Interaction(Request("GET", "/v1/credits"), Response(200, {}, {"x": body}))
    return Cassette(path, [interaction])


def test_an_error_between_write_and_replace_keeps_the_old_cassette(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    cassette(path, "old").save()
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        assert Path(src).read_bytes() != before  # the new version is fully written...
        raise OSError("killed between the temporary write and the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed"):
        cassette(path, "new").save()
    assert path.read_bytes() == before  # ...but the cassette is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]  # and no temporary is left
    assert Cassette.load(path).interactions[0].response.body == {"x": "old"}


def test_a_process_killed_mid_write_never_leaves_a_torn_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    write_atomic(path, b"version: 0\nend: true\n")
    for attempt in range(5):
        with subprocess.Popen([sys.executable, "-c", WRITER, str(path), atomic.__file__],
                              stdout=subprocess.PIPE, text=True) as writer:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
            time.sleep(0.02 + 0.013 * attempt)
            writer.send_signal(signal.SIGKILL)
        head, _, rest = path.read_bytes().partition(b"\n")
        assert head.startswith(b"version: ")  # complete, whichever version it is:
        assert rest in (b"end: true\n", b"fill: " + b"x" * 2_000_000 + b"\nend: true\n")
    leftovers = [p for p in tmp_path.iterdir() if p != path]
    assert all(p.name.startswith(".big.yaml.") and p.suffix == ".tmp" for p in leftovers)
    assert cassette_files(tmp_path) == [path]  # loaders ignore the temporaries


def test_unreadable_cassettes_say_why(tmp_path: Path) -> None:
    (tmp_path / "torn.yaml").write_text("version: 1\ninteractions: [\n")
    with pytest.raises(CassetteError, match="cannot read cassette"):
        Cassette.load(tmp_path / "torn.yaml")
    (tmp_path / "other.yaml").write_text("openapi: 3.1.0\n")
    with pytest.raises(CassetteError, match="not a version 1 fashn-mock cassette"):
        Cassette.load(tmp_path / "other.yaml")


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_files_keep_the_usual_permissions(tmp_path: Path) -> None:
    write_atomic(tmp_path / "f", b"x")
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o666 & ~current_umask()


def test_importing_and_writing_never_touch_the_process_umask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_umask, umask = os.umask, current_umask()

    def forbidden(mask: int) -> int:
        raise AssertionError("the process umask is process-wide state: never change it")

    monkeypatch.setattr(os, "umask", forbidden)
    spec = importlib.util.spec_from_file_location("fresh_atomic", atomic.__file__)
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)  # a fresh import must not call os.umask
    for in_force in (0o022, 0o077):
        set_umask(in_force)
        try:
            fresh.write_atomic(tmp_path / f"f{in_force:o}", b"x")
        finally:
            set_umask(umask)
        mode = (tmp_path / f"f{in_force:o}").stat().st_mode & 0o777
        assert mode == 0o666 & ~in_force  # the umask in force at write time applies
