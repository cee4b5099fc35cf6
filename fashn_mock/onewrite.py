"""uvicorn's HTTP protocol, sending a response's head and its first body bytes in one
write.

uvicorn writes the status line and headers as soon as the app starts its answer and
the body when it comes: two ``send`` system calls, so two TCP segments (uvicorn sets
``TCP_NODELAY``) and two wake-ups of the client, for every small JSON answer. On
loopback each ``send`` runs the receiver's side of TCP too, so the second one is a
large part of a status request's cost. Here the transport holds a small write until
the next one joins it, or until the event loop's next turn at the latest: a
response whose body follows at once (every ``Response`` with a ``content-length``)
goes out in one write; a stream (server-sent events) sends its head on the next
turn of the loop, as before. The bytes on the wire are the same.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HOLD_LIMIT = 16 * 1024
"""Larger writes are never held (a head is a few hundred bytes), nor copied to join
the held one."""


class Joining(asyncio.Transport):
    """A transport that holds one small write until the next write joins it, the
    loop turns, or the transport is closed; every other call goes to ``transport``."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:  # as asyncio's transports: nothing to send
            return
        held = self._held
        if held is not None:
            self._held = None
            if len(data) <= HOLD_LIMIT:
                self._transport.write(held + data)
            else:  # one vectored send, without copying a large body
                self._transport.writelines((held, data))
        elif len(data) <= HOLD_LIMIT and not self._transport.is_closing():
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def flush(self) -> None:
        """Write what is held, if anything and the connection is still open (a
        connection lost since the write takes nothing more: uvloop would raise)."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()


class OneWriteH11(H11Protocol):
    """uvicorn's h11 protocol on a ``Joining`` transport."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(Joining(transport, self.loop))


HttpProtocol: type[asyncio.Protocol] = OneWriteH11
"""What ``serve`` runs: httptools when installed (as uvicorn's ``auto``), else h11."""

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn[standard] brings httptools
    pass
else:
    class OneWriteHttpTools(HttpToolsProtocol):
        """uvicorn's httptools protocol on a ``Joining`` transport."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(Joining(transport, self.loop))

    HttpProtocol = OneWriteHttpTools
