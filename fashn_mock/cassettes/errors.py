"""The one place where cassettes speak the engine's error vocabulary.

Replay answers a recorded HTTP error again (a 429, a failed poll) and, when strict,
refuses an unmatched run; both go through ``http_error``. ``REFUSED`` is what
``validation.parse_run_body`` raises for a request it rejects. Switching the
engine's error types means changing this module only.
"""

from __future__ import annotations

from collections.abc import Mapping

from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.faces.native.errors import WireRefusal

REFUSED: tuple[type[Exception], ...] = (InvalidRequest,)


def http_error(status: int, name: str, message: str,
               headers: Mapping[str, str] | None = None) -> WireRefusal:
    """An error the emulator answers as ``status`` with ``{"error": name, "message": ...}``."""
    return WireRefusal(status, name, message, dict(headers or {}))
