"""The dialects by name: ``get("native" | "concurred" | "pixazo")``."""

from __future__ import annotations

from collections.abc import Sequence

from fashn_mock.contract.dialect_concurred import CONCURRED
from fashn_mock.contract.dialect_pixazo import PIXAZO
from fashn_mock.contract.dialects import NATIVE, Dialect


def get(name: str) -> Dialect:
    """The dialect called ``name`` (``ValueError`` for an unknown one)."""
    if name == "concurred":
        return CONCURRED
    if name == "pixazo":
        return PIXAZO
    if name != "native":
        raise ValueError(f"unknown dialect {name!r}; known: {', '.join(NAMES)}")
    return NATIVE


NAMES: Sequence[str] = ("native", "concurred", "pixazo")
