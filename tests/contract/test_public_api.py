"""The contract suites use schemathesis' public API only: top-level names and the
public ``schemathesis.errors``; no ``core``, ``specs``, ``generation`` internals."""

from __future__ import annotations

import ast
from pathlib import Path

import schemathesis

import fashn_mock.contract

PUBLIC_MODULES = {"schemathesis", "schemathesis.errors"}


def imports(path: Path) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_only_public_schemathesis_modules_and_names() -> None:
    folder = Path(fashn_mock.contract.__file__).parent
    used = [(path.name, module, names) for path in sorted(folder.glob("*.py"))
            for module, names in imports(path) if module.split(".")[0] == "schemathesis"]
    assert used, "the suites use schemathesis"
    for file, module, names in used:
        assert module in PUBLIC_MODULES, f"{file} imports {module}"
        if module == "schemathesis":
            assert set(names) <= set(schemathesis.__all__), f"{file}: {names}"
