"""The README's examples are executable: each marked block runs here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"<!-- readme-example: (\w+) -->\n```python\n(.*?)```", re.DOTALL)


def examples(kind: str) -> list[str]:
    return [code for found, code in BLOCK.findall(README.read_text()) if found == kind]


def test_readme_has_examples() -> None:
    assert examples("pytest") and examples("script")


@pytest.mark.parametrize("code", examples("pytest"))
def test_pytest_examples(pytester: pytest.Pytester, code: str) -> None:
    pytester.makepyfile(test_readme_example=code)
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and "failed" not in outcomes, result.stdout.str()


@pytest.mark.parametrize("code", examples("script"))
def test_script_examples(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(README.parent)  # examples use paths relative to the repository
    exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
