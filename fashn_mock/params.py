"""click building blocks shared by the ``fashn-mock`` commands: options that show
their environment variable, and parameter types whose errors are one clear line.

Every option reads an environment variable (``FASHN_MOCK_...``); an empty variable
counts as unset. Repeatable options read comma-separated lists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import click

from fashn_mock.catalog.quotas import RateRule

F = TypeVar("F", bound=Callable[..., Any])
if TYPE_CHECKING:  # generic from click 8.5 on; a plain class before
    _RuleType = click.ParamType[RateRule]
    _TextType = click.ParamType[str]
    _ProfileType = click.ParamType[dict[str, float]]
else:
    _RuleType = _TextType = _ProfileType = click.ParamType
ENV = "FASHN_MOCK_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")


def option(*decls: str, env: str, **attrs: Any) -> Callable[[F], F]:
    """``click.option`` reading ``env`` (a full variable name), shown in ``--help``
    with its default."""
    attrs.setdefault("show_default", True)
    return click.option(*decls, envvar=env, show_envvar=True, **attrs)


class Finite(click.FloatRange):
    """A float range that also refuses ``nan`` and ``inf``."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class Rate(_RuleType):
    """``LIMIT/SECONDS``: ``50/60`` = 50 requests per 60 seconds."""

    name = "LIMIT/SECONDS"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> RateRule:
        if isinstance(value, RateRule):
            return value
        text = str(value).strip()
        try:
            rule = RateRule.parse(text)
        except ValueError:
            self.fail(f"{text!r} is not LIMIT/SECONDS with a positive whole LIMIT and "
                      "positive SECONDS, e.g. 50/60.", param, ctx)
        if not math.isfinite(rule.window):
            self.fail(f"{text!r}: SECONDS must be a finite number.", param, ctx)
        return rule


class Url(_TextType):
    """An ``http://`` or ``https://`` URL with a host."""

    name = "URL"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        text = str(value).strip()
        try:
            parts = urlsplit(text)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            valid = False
        if not valid:
            self.fail(f"{text!r} is not an http:// or https:// URL with a host.", param, ctx)
        return text


class Profile(_ProfileType):
    """A network chaos profile: ``kind=rate`` pairs, e.g. ``reset=0.05,delay=0.2..1=0.1``
    (``fashn_mock.engine.network.parse_profile``)."""

    name = "KIND=RATE,..."

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        from fashn_mock.engine.network import parse_profile

        if isinstance(value, dict):
            return value
        try:
            return parse_profile(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class Listed(click.types.StringParamType):
    """A string; from the environment, a comma-separated list (blanks dropped)."""

    envvar_list_splitter = ","

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        return [part.strip() for part in rv.split(self.envvar_list_splitter) if part.strip()]


class Lines(Listed):
    """A string; from the environment, one per line (for values that hold commas)."""

    envvar_list_splitter = "\n"


class ListedChoice(click.Choice[str]):
    """A choice; from the environment, a comma-separated list."""

    envvar_list_splitter = ","

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        return [part.strip() for part in rv.split(",") if part.strip()]


class BadInput(click.ClickException):
    """Input that cannot be used (an unreadable cassette...): ``Error: ...``, exit 2
    like a usage error."""

    exit_code = 2


def log_options(default_level: str) -> Callable[[F], F]:
    """``--log-level`` and ``--log-format``, shared by the commands that serve HTTP."""

    def decorate(func: F) -> F:
        func = option("--log-format", env=ENV + "LOG_FORMAT", default="text",
                      type=click.Choice(LOG_FORMATS),
                      help="text: uvicorn's usual lines; json: one JSON object per line "
                           "(fashn-mock's own messages and uvicorn's access and error "
                           "logs)")(func)
        return option("--log-level", env=ENV + "LOG_LEVEL", default=default_level,
                      type=click.Choice(LOG_LEVELS),
                      help="uvicorn's log level (warning hides request lines); "
                           "fashn-mock's start and stop messages show unless error or "
                           "critical")(func)

    return decorate
