"""The connection under one request, as far as an ASGI app can reach it.

ASGI gives an app no way to reset or half-write a connection, so network faults
need a ``Link``: the in-process transport puts one in ``scope["extensions"]``
(``LINK_EXTENSION``); under uvicorn the socket is reached through the server's
own objects (``receive`` is a bound method of uvicorn's ``RequestResponseCycle``,
whose ``transport`` is the asyncio transport, in its httptools, h11 and zttp
implementations alike). That is a reliance on uvicorn's internals, checked by
tests; any other server (or a wrapped ``receive``) gets no link, and the faults
that need one degrade (``faces.network``).
"""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any, Protocol

from starlette.types import Receive, Scope

LINK_EXTENSION = "fashn_mock.link"


class Link(Protocol):
    """What a network fault may do to the connection."""

    via: str
    """``socket`` or ``in-process``: how the fault reaches the client."""

    def reset(self) -> None:
        """Abort the connection with a TCP RST (the client reads ``ECONNRESET``)."""

    def close(self) -> None:
        """Close the connection after what was sent (a FIN)."""

    def write(self, data: bytes) -> None:
        """Send raw bytes, outside HTTP framing."""


class SocketLink:
    """A uvicorn connection's asyncio transport (uvloop's as well)."""

    via = "socket"

    def __init__(self, transport: Any) -> None:
        self.transport = transport

    def reset(self) -> None:
        sock = self.transport.get_extra_info("socket")
        if sock is not None:  # linger 0: closing sends a RST instead of a FIN
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def close(self) -> None:
        self.transport.close()

    def write(self, data: bytes) -> None:
        self.transport.write(data)


def link_of(scope: Scope, receive: Receive) -> Link | None:
    """The link of this request: the in-process one, else uvicorn's transport, else
    None."""
    found: Link | None = (scope.get("extensions") or {}).get(LINK_EXTENSION)
    if found is not None:
        return found
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if all(callable(getattr(transport, name, None))
           for name in ("abort", "close", "write", "get_extra_info")):
        return SocketLink(transport)
    return None
