"""The package's public names: ``__all__`` lists exactly what ``fashn_mock`` and its
modules for users offer: every name they define or re-export, nothing they merely use."""

from __future__ import annotations

import importlib
import types

import pytest

PUBLIC = {"fashn_mock": {"BackgroundServer", "Clock", "Config", "Emulator", "FashnMock",
                         "Steering"}}


@pytest.mark.parametrize("name", ["fashn_mock", "fashn_mock.steering", "fashn_mock.testing"])
def test_all_is_curated(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert getattr(module, attribute) is not None
    public = {n: value for n, value in vars(module).items() if not n.startswith("_")
              and not isinstance(value, types.ModuleType) and n != "annotations"}
    defined = {n for n, value in public.items()
               if getattr(value, "__module__", name) == name}
    package = module.__file__ is not None and module.__file__.endswith("__init__.py")
    if package:  # re-exports only: everything it imports is for users
        assert set(public) == set(exported)
    else:  # what it defines, and what it re-exports on purpose
        assert defined <= set(exported) <= set(public)
    if name in PUBLIC:
        assert set(exported) == PUBLIC[name]


def test_the_fixture_handle_type_is_exported() -> None:
    import fashn_mock
    from fashn_mock.testing import FashnMock

    assert fashn_mock.FashnMock is FashnMock
    assert issubclass(FashnMock, fashn_mock.Steering)
    assert issubclass(fashn_mock.Emulator, fashn_mock.Steering)
