"""The dashboard works from a built wheel: its templates and static files ship in it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ("templates/base.html", "templates/parts/predictions.html", "static/dashboard.js",
           "static/dashboard.css")


@pytest.mark.skipif(importlib.util.find_spec("hatchling") is None,
                    reason="building the wheel offline needs hatchling installed")
def test_the_wheel_serves_the_dashboard(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("fashn_mock-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert all(f"fashn_mock/faces/ui/{name}" in names for name in SHIPPED)
        archive.extractall(installed)
    script = ("import fashn_mock\n"
              "from fashn_mock import Emulator\n"
              f"assert fashn_mock.__file__.startswith({str(installed)!r})\n"
              "with Emulator(manual_clock=True).httpx_client() as client:\n"
              "    for path in ('/_mock/ui', '/_mock/ui/static/dashboard.js'):\n"
              "        assert client.get(path).status_code == 200, path\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                          capture_output=True, timeout=300,
                          env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
