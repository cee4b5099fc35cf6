"""The suites run from the pytest entry files in ``contracts/`` and from a built wheel
(not only from a checkout): the wheel ships the contract file and the suite code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_contracts_directory_runs_with_pytest(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        str(ROOT / "contracts"), "-p", "no:cacheprovider", "--contract-suite", "probes",
        "--rootdir", str(ROOT))
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 2 and outcomes.get("skipped") == 4, result.stdout.str()


@pytest.mark.parametrize(("dialect", "skipped"), [("concurred", 3), ("pixazo", 3)])
def test_contracts_directory_runs_each_dialect(pytester: pytest.Pytester, dialect: str,
                                               skipped: int) -> None:
    """One test per suite of the dialect: Concurred's five (sse selected too), Pixazo's
    four."""
    result = pytester.runpytest_subprocess(
        str(ROOT / "contracts"), "-p", "no:cacheprovider", "--dialect", dialect,
        "--contract-suite", "probes", "--contract-suite", "sse", "--rootdir", str(ROOT))
    outcomes = result.parseoutcomes()
    passed = 3 if dialect == "concurred" else 2
    assert outcomes.get("passed") == passed and outcomes.get("skipped") == skipped, \
        result.stdout.str()


@pytest.mark.skipif(importlib.util.find_spec("hatchling") is None,
                    reason="building the wheel offline needs hatchling installed")
def test_the_installed_wheel_runs_the_suites(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("fashn_mock-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        for name in ("openapi.yaml", "openapi.concurred.yaml", "openapi.pixazo.yaml"):
            assert f"fashn_mock/{name}" in archive.namelist()
        assert "fashn_mock/py.typed" in archive.namelist()  # PEP 561: the types ship
        archive.extractall(installed)
    script = ("import fashn_mock, sys\n"
              "from fashn_mock.contract.document import shipped_text\n"
              f"assert fashn_mock.__file__.startswith({str(installed)!r})\n"
              "assert shipped_text().startswith('openapi: 3.1.0')\n"
              "assert shipped_text('concurred').startswith('openapi: 3.2.0')\n"
              "assert shipped_text('pixazo').startswith('openapi: 3.1.0')\n"
              "from fashn_mock.cli import main\n"
              "sys.exit(main(['contract', '--suite', 'probes']))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                          capture_output=True, timeout=300,
                          env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[ok] probes" in done.stdout
