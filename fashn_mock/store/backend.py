"""The link to a shared store (``store.redis``): the client with bounded timeouts, the
Lua scripts, the shared settings and clock, and the control channel (pub/sub)."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from fashn_mock.clock import MAX_ADVANCE, Clock
from fashn_mock.engine.errors import StoreUnavailable
from fashn_mock.store.names import check_prefix, check_url

log = logging.getLogger("fashn_mock.store")
T = TypeVar("T")
LUA = Path(__file__).with_name("lua")
TIMEOUT = 2.0
"""Seconds a command may take (connecting included) before the store counts as gone."""


def connect(url: str, *, timeout: float = TIMEOUT) -> redis.Redis:
    """A client for ``url`` (``redis://``, ``rediss://``, ``valkey://``, ``valkeys://``,
    ``unix://``): pooled connections, bounded timeouts, one quick retry."""
    try:
        return redis.Redis.from_url(
            check_url(url), decode_responses=True,
            socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=15,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
            client_name="fashn-mock")
    except (ValueError, TypeError) as exc:  # what redis-py refuses in a URL
        raise StoreUnavailable(str(exc)) from None


@contextlib.contextmanager
def answering() -> Iterator[None]:
    """Turn a server that is gone (or too slow) into ``StoreUnavailable``."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise StoreUnavailable(str(exc) or type(exc).__name__) from None
    except redis.ResponseError as exc:
        if str(exc).startswith(("LOADING", "READONLY", "MASTERDOWN", "BUSY")):
            raise StoreUnavailable(str(exc)) from None
        raise


def guarded(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with answering():
            return method(*args, **kwargs)
    return wrapper


@dataclass(frozen=True)
class Settings:
    """The shared settings as one process last read them."""

    version: str
    epoch: int
    offset: float
    frozen_at: float | None
    failure_rate: float
    jitter: float
    network: dict[str, float]

    @classmethod
    def parse(cls, flat: list[str]) -> Settings:
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        frozen = fields.get("frozen", "")
        return cls(fields["version"], int(fields["epoch"]), float(fields.get("offset", 0)),
                   float(frozen) if frozen else None, float(fields["failure_rate"]),
                   float(fields["jitter"]), json.loads(fields.get("network") or "{}"))


class Scripts:
    """The Lua steps, each prefixed with ``prelude.lua``, run by ``EVALSHA``."""

    def __init__(self, client: redis.Redis) -> None:
        prelude = (LUA / "prelude.lua").read_text()
        self._scripts = {path.stem: client.register_script(prelude + path.read_text())
                         for path in LUA.glob("*.lua") if path.stem != "prelude"}

    def __getattr__(self, name: str) -> Any:
        try:
            return self._scripts[name]
        except KeyError:
            raise AttributeError(name) from None


class SharedClock(Clock):
    """The emulator clock of a shared store: this process's wall clock plus the shared
    offset, or the shared frozen instant. Moves go through the store; listeners hear
    every move, this process's or another's."""

    def __init__(self, store: Backend) -> None:
        super().__init__()
        self._store = store
        self._state: tuple[str, float, float | None] = ("", 0.0, None)

    def now(self) -> float:
        _, offset, frozen = self._state
        return frozen if frozen is not None else time.time() + offset

    def read(self) -> tuple[float, str]:
        """Now, and the settings version it was computed from (one snapshot)."""
        version, offset, frozen = self._state
        return (frozen if frozen is not None else time.time() + offset), version

    @property
    def frozen(self) -> bool:
        return self._state[2] is not None

    def apply(self, settings: Settings) -> bool:
        """Take newer settings; whether the clock moved."""
        old = self._state
        self._state = (settings.version, settings.offset, settings.frozen_at)
        return (old[1], old[2]) != (settings.offset, settings.frozen_at)

    def advance(self, seconds: float) -> float:
        if not 0 <= seconds <= MAX_ADVANCE:  # also refuses NaN
            raise ValueError(f"the clock moves forward by 0..{MAX_ADVANCE:.0f} seconds")
        return self._change("advance", repr(float(seconds)))

    def freeze(self) -> float:
        return self._change("freeze")

    def unfreeze(self) -> float:
        return self._change("unfreeze")

    def _change(self, op: str, *values: str) -> float:
        result = self._store.change(op, *values)
        self._moved()
        return float(result)


class Backend:
    """One process's link to the shared store at ``url``, under ``prefix``: the client,
    the scripts, the settings cache, the shared clock and the control channel."""

    def __init__(self, url: str, prefix: str = "fashn-mock", *,
                 client: redis.Redis | None = None) -> None:
        self.prefix = check_prefix(prefix)
        self.url = url
        self.client = client or connect(url)
        self.scripts = Scripts(self.client)
        self.shared_clock = SharedClock(self)
        self.local_clock = Clock()
        """The clock a new store starts from (frozen or running, and where)."""
        self.settings: Settings | None = None
        self._listeners: list[Callable[[str, str], None]] = []
        self._channels: dict[str, Callable[[str], None]] = {}
        self._hooks: dict[str, Callable[[Settings], None]] = {}
        self.on_lost: Callable[[], None] | None = None
        """Starts the store again when its keys are gone (set by the ledger)."""
        self._recovering = threading.Lock()
        self._changing = threading.RLock()
        """Held while this process changes the settings (the caller wakes the schedulers,
        in its own thread: a manual clock fires what fell due inside ``advance``)."""
        self._closed = threading.Event()
        self._listener: threading.Thread | None = None

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def args(self, *values: Any) -> list[Any]:
        """Script arguments: the prefix, the settings version, then ``values``."""
        version = self.settings.version if self.settings is not None else ""
        return [self.prefix, version, *values]

    # --- settings -------------------------------------------------------------------
    def apply(self, flat: list[str], *, wake: bool = True) -> Settings:
        """Take settings a script returned (or read); wake the schedulers if the clock
        moved (unless ``wake`` is False: the caller does)."""
        if "version" not in flat[::2]:  # the server lost this emulator's keys
            return self._lost()
        settings = Settings.parse(flat)
        current = self.settings
        if current is not None and int(settings.version) < int(current.version):
            return current  # an older answer overtaken by a newer one
        self.settings = settings
        if self.shared_clock.apply(settings) and current is not None and wake:
            self.shared_clock._moved()
        if current is None or settings.version != current.version:
            for hook in list(self._hooks.values()):
                hook(settings)
        return settings

    def _lost(self) -> Settings:
        """The server came back empty (restarted without persistence, flushed): start
        the store again (``on_lost``: its settings from this process's config), once
        per loss whichever process notices first."""
        if self.on_lost is None or self._recovering.locked():
            raise StoreUnavailable(f"the store lost the keys under {self.prefix!r}")
        with self._recovering:
            log.warning("fashn-mock: the store lost its keys under %r; starting it again",
                        self.prefix)
            self.settings = None  # the new settings' version starts again from 1
            self.on_lost()
        if self.settings is None:
            raise StoreUnavailable(f"the store lost the keys under {self.prefix!r}")
        return self.settings

    def on_settings(self, name: str, hook: Callable[[Settings], None]) -> None:
        """Call ``hook(settings)`` whenever newer settings arrive (``name`` replaces an
        earlier hook of that name)."""
        self._hooks[name] = hook

    @guarded
    def refresh(self) -> Settings:
        found = cast(dict[str, str], self.client.hgetall(self.key("settings")))
        if "version" not in found:  # not started yet, or its keys were deleted
            if self.settings is not None:
                return self.settings
            raise StoreUnavailable(f"the store under {self.prefix!r} has no settings yet")
        return self.apply(_flat(found))

    @guarded
    def change(self, op: str, *values: str) -> str:
        """Run one ``settings.lua`` op; its result."""
        with self._changing:  # the control channel does not apply it in another thread
            result, flat = self.scripts.settings(args=[self.prefix, "", op,
                                                       repr(time.time()), *values])
            self.apply(flat, wake=False)
        return str(result)

    @guarded
    def wipe(self) -> int:
        """Delete every key of this emulator but its settings; how many went."""
        client, keep, gone = self.client, self.key("settings"), 0
        batch: list[str] = []
        for name in client.scan_iter(match=self.key("*"), count=1000):
            if name != keep:
                batch.append(name)
            if len(batch) >= 1000:
                gone += int(client.unlink(*batch))
                batch = []
        if batch:
            gone += int(client.unlink(*batch))
        return gone

    # --- the control channel ----------------------------------------------------------
    def listen(self, listener: Callable[[str, str], None]) -> None:
        """Call ``listener(kind, detail)`` for every control message of any process
        (``settings <version>``, ``timers <due>``, ``reset <key>``, ...)."""
        self._listeners.append(listener)
        if self._listener is None:
            self._listener = threading.Thread(target=self._listen, daemon=True,
                                              name="fashn-mock-store")
            self._listener.start()

    def tell(self, kind: str, detail: str = "") -> None:
        """Tell every process (this one included) through the control channel."""
        with contextlib.suppress(redis.RedisError):
            self.client.publish(self.key("control"), f"{kind} {detail}")

    def subscribe(self, channel: str, handler: Callable[[str], None]) -> None:
        """Call ``handler(message)`` for every message on ``channel`` (from the control
        channel's thread)."""
        self._channels[channel] = handler
        if self._listener is None:
            self._listener = threading.Thread(target=self._listen, daemon=True,
                                              name="fashn-mock-store")
            self._listener.start()

    def _listen(self) -> None:
        channel = self.key("control")
        while not self._closed.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(channel)
                heard: set[str] = set()
                with contextlib.suppress(redis.RedisError, StoreUnavailable):
                    self.refresh()  # whatever happened while nobody listened
                while not self._closed.is_set():
                    if len(heard) < len(self._channels):  # subscribed to since
                        new = [c for c in list(self._channels) if c not in heard]
                        pubsub.subscribe(*new)
                        heard.update(new)
                    message = pubsub.get_message(timeout=0.2 if len(heard) < len(
                        self._channels) else 1.0)
                    if message is None:
                        continue
                    handler = self._channels.get(str(message["channel"]))
                    if handler is None:
                        self._dispatch(str(message["data"]))
                        continue
                    try:
                        handler(str(message["data"]))
                    except Exception:
                        log.exception("fashn-mock: a store subscriber failed")
            except (redis.RedisError, OSError):
                log.warning("fashn-mock: the store's control channel dropped; retrying")
                self._closed.wait(0.5)
            finally:
                with contextlib.suppress(Exception):
                    pubsub.close()

    def _dispatch(self, message: str) -> None:
        kind, _, detail = message.partition(" ")
        if kind == "settings":
            with self._changing:
                current = self.settings
                newer = current is None or int(detail) > int(current.version)
            if newer:
                with contextlib.suppress(redis.RedisError, StoreUnavailable):
                    self.refresh()
        for listener in list(self._listeners):
            try:
                listener(kind, detail)
            except Exception:
                log.exception("fashn-mock: a store listener failed on %r", message)

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None and self._listener is not threading.current_thread():
            self._listener.join(timeout=3)
        self.client.close()


def _flat(mapping: dict[str, str]) -> list[str]:
    return [item for pair in mapping.items() for item in pair]
