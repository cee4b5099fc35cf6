"""``fashn-mock ctl``: every steering operation from the command line, over the control
API of a running emulator (``fashn-mock serve``), printing the JSON answer.

One command per operation of ``steering.operations`` (``run_until_done`` is
``run-until-done``): path parameters and required ones are arguments, the others
``--options``. Every command takes ``--url`` (``FASHN_MOCK_URL``), ``--token``
(``FASHN_MOCK_CONTROL_TOKEN``, the same variable ``serve --control-token`` reads)
and ``--request-timeout`` (``FASHN_MOCK_REQUEST_TIMEOUT``); the operations' own
options read no variables. Exit codes: 0 done, 1 the emulator refused (its message
on stderr), 2 usage error, 3 the emulator could not be reached.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import click
import httpx

from fashn_mock.params import ENV, Finite, Profile, Url, option
from fashn_mock.steering.operations import (
    OPERATIONS,
    Flag,
    Integer,
    Kind,
    Number,
    Operation,
    Param,
)
from fashn_mock.steering.operations import Profile as ProfileKind
from fashn_mock.steering.view import Steering

DEFAULT_URL = "http://127.0.0.1:8000"
TOKEN_HEADER = "X-Fashn-Mock-Token"
REFUSED, UNREACHABLE = 1, 3


class Refused(click.ClickException):
    """The emulator answered with an error: ``Error: HTTP 400: ...``, exit 1."""

    exit_code = REFUSED


class Unreachable(click.ClickException):
    """Nothing answered at ``--url``: exit 3."""

    exit_code = UNREACHABLE


@click.group("ctl", context_settings={"help_option_names": ["-h", "--help"]})
def ctl() -> None:
    """Steer a running emulator through its control API (/_mock), printing JSON.

    The same operations, with the same names, as the Python Emulator and the
    pytest fixture. Exit codes: 0 done, 1 refused by the emulator, 2 usage error,
    3 the emulator could not be reached.
    """


def click_type(kind: Kind) -> Any:
    """The click parameter type of a steering parameter type."""
    if isinstance(kind, Integer):
        return click.IntRange(kind.low, kind.high)
    if isinstance(kind, Number):
        return Finite(kind.low, kind.high)
    if isinstance(kind, ProfileKind):
        return Profile()
    return click.STRING


def positional(param: Param) -> bool:
    """Whether ``param`` is an argument (else an ``--option``)."""
    return param.where == "path" or param.required


def decorators(operation: Operation) -> list[Callable[[Any], Any]]:
    """The click arguments and options of ``operation``, in declaration order."""
    found: list[Callable[[Any], Any]] = []
    for param in operation.params:
        flag = "--" + param.name.replace("_", "-")
        if positional(param):
            if param.required or param.default is None:
                found.append(click.argument(param.name, type=click_type(param.kind)))
            else:
                found.append(click.argument(param.name, type=click_type(param.kind),
                                            required=False, default=param.default))
        elif isinstance(param.kind, Flag):
            found.append(click.option(flag, param.name, is_flag=True, default=None,
                                      help=param.help))
        else:
            told = f" (default: {param.default})" if param.default is not None else ""
            found.append(click.option(flag, param.name, type=click_type(param.kind),
                                      default=None, metavar=param.kind.metavar,
                                      help=param.help + told))
    return found


def connection(func: Any) -> Any:
    func = option("--request-timeout", env=ENV + "REQUEST_TIMEOUT", default=90.0,
                  type=Finite(0.1, 3600), metavar="SECONDS",
                  help="wall seconds to wait for the answer")(func)
    func = option("--token", env=ENV + "CONTROL_TOKEN", show_default=False,
                  help="the control token (X-Fashn-Mock-Token), if the emulator needs one")(
        func)
    return option("--url", env=ENV + "URL", default=DEFAULT_URL, type=Url(),
                  help="the emulator's base URL")(func)


def request_parts(operation: Operation, values: dict[str, Any]
                  ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """The path, query and JSON body of ``operation`` called with ``values`` (the
    values left None are not sent: the emulator applies its defaults)."""
    path = operation.path
    for param in operation.where("path"):
        path = path.replace("{" + param.name + "}", quote(str(values[param.name]), safe=""))
    query = {p.name: _text(values[p.name]) for p in operation.where("query")
             if values.get(p.name) is not None}
    body_params = operation.where("body")
    body = ({p.name: values[p.name] for p in body_params if values.get(p.name) is not None}
            if body_params else None)
    return path, query, body


def call(operation: Operation, values: dict[str, Any], *, url: str, token: str | None,
         timeout: float) -> Any:
    """Send ``operation`` to the emulator at ``url``; its JSON answer."""
    path, query, body = request_parts(operation, values)
    headers = {TOKEN_HEADER: token} if token else {}
    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=timeout) as client:
            response = client.request(operation.method, "/_mock" + path, params=query,
                                      json=body, headers=headers)
    except httpx.HTTPError as error:
        raise Unreachable(f"cannot reach the emulator at {url}: {error or type(error)}") \
            from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code >= 400:
        message = answer.get("message") if isinstance(answer, dict) else None
        raise Refused(f"HTTP {response.status_code}: {message or response.text[:200]}")
    if answer is None:
        raise Refused(f"HTTP {response.status_code}: the answer is not JSON (is {url} "
                      "a fashn-mock emulator?)")
    return answer


def command(operation: Operation) -> click.Command:
    doc = (inspect.getdoc(getattr(Steering, operation.name)) or operation.name) \
        .replace("``", "")
    first = " ".join(doc.split("\n\n")[0].split())
    summary = re.split(r"(?<=[.:;])\s", first)[0].rstrip(".:;")

    def run(url: str, token: str | None, request_timeout: float, **values: Any) -> None:
        answer = call(operation, values, url=url, token=token, timeout=request_timeout)
        click.echo(json.dumps(answer, indent=2))

    run.__doc__ = doc
    decorated: Any = connection(run)
    for decorate in reversed(decorators(operation)):
        decorated = decorate(decorated)
    return click.command(operation.command, help=doc, short_help=summary)(decorated)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


for _operation in OPERATIONS:
    ctl.add_command(command(_operation))
