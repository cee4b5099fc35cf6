"""Every steering operation is reachable the same way, with the same name and the same
parameters, from each face: the Python ``Emulator``, the pytest handle ``FashnMock``,
the control API (``/_mock``) and the ``fashn-mock ctl`` command line."""

from __future__ import annotations

import inspect

import click
import pytest
from starlette.routing import Route

from fashn_mock import Emulator, FashnMock, Steering
from fashn_mock.faces.control import PREFIX
from fashn_mock.steering import OPERATIONS, Operation
from fashn_mock.steering.cli import ctl, positional
from fashn_mock.steering.operations import REQUIRED

HELPERS = {"now", "base_url"}
"""View members that are not operations: ``now()`` is ``time().now``."""
NAMES = [operation.name for operation in OPERATIONS]
CONNECTION = ("url", "token", "request_timeout")


def test_the_table_names_each_operation_once() -> None:
    assert len(set(NAMES)) == len(NAMES)
    assert len({(o.method, o.path) for o in OPERATIONS}) == len(OPERATIONS)


def test_the_view_has_exactly_the_operations() -> None:
    public = {name for name, _ in inspect.getmembers(Steering) if not name.startswith("_")}
    assert public - HELPERS == set(NAMES)


@pytest.mark.parametrize("face", [Steering, Emulator, FashnMock])
@pytest.mark.parametrize("operation", OPERATIONS, ids=NAMES)
def test_each_python_face_has_each_operation(face: type[Steering],
                                             operation: Operation) -> None:
    method = getattr(face, operation.name)
    assert method is getattr(Steering, operation.name), "a face overrides an operation"
    params = list(inspect.signature(method).parameters.values())[1:]  # after self
    assert [p.name for p in params] == [p.name for p in operation.params]
    for declared, actual in zip(operation.params, params, strict=True):
        default = inspect.Parameter.empty if declared.default is REQUIRED \
            else declared.default
        assert actual.default == default, declared.name
        if declared.name == "key" and declared.where != "path":
            assert actual.kind is inspect.Parameter.KEYWORD_ONLY  # key= always by name


def test_both_python_faces_are_views() -> None:
    emulator = Emulator(manual_clock=True)
    handle = FashnMock(emulator, "k", "http://x")
    assert emulator.key is None and handle.key == "k"
    assert handle.engine is emulator.engine


@pytest.mark.parametrize("operation", OPERATIONS, ids=NAMES)
def test_the_control_api_serves_each_operation(operation: Operation) -> None:
    routes = {route.name: route for route in Emulator().app.routes
              if isinstance(route, Route)}
    route = routes[operation.name]
    assert route.path == PREFIX + operation.path
    assert route.methods is not None and operation.method in route.methods
    assert set(route.param_convertors) == {p.name for p in operation.where("path")}


@pytest.mark.parametrize("operation", OPERATIONS, ids=NAMES)
def test_the_command_line_has_each_operation(operation: Operation) -> None:
    command = ctl.commands[operation.command]
    assert operation.command == operation.name.replace("_", "-")
    own = [p for p in command.params if p.name not in CONNECTION]
    assert [p.name for p in own] == [p.name for p in operation.params]
    for declared, param in zip(operation.params, own, strict=True):
        assert isinstance(param, click.Argument) == positional(declared), declared.name


def test_the_command_line_has_nothing_else() -> None:
    assert set(ctl.commands) == {operation.command for operation in OPERATIONS}


def test_the_readme_table_lists_each_operation() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "README.md").read_text()
    section = text.split("### Control API (`/_mock`)")[1].split("\n### ")[0]
    for operation in OPERATIONS:
        route = f"{operation.method} /_mock{operation.path}".replace("{prediction_id}", "{id}")
        assert f"`{operation.name}(" in section, operation.name
        assert route in section, route
