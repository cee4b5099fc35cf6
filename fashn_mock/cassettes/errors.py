"""The one place where cassettes speak the engine's error vocabulary.

Replay answers a recorded HTTP error again (a 429, a failed poll) and, when strict,
refuses an unmatched run; both go through ``http_error``. ``REFUSED`` is what
``validation.parse_run_body`` raises for a request it rejects. Switching the
engine's error types means changing this module only.
"""

from __future__ import annotations

from collections.abc import Mapping

from fashn_mock.errors import ApiError

REFUSED: tuple[type[Exception], ...] = (ApiError,)


def http_error(status: int, name: str, message: str,
               headers: Mapping[str, str] | None = None) -> Exception:
    """An error the emulator answers as ``status`` with ``{"error": name, "message": ...}``."""
    return ApiError(status, name, message, headers)
