"""Saving a cassette while it is being recorded, off the request path.

Rewriting and fsyncing the whole file after every exchange made each request
slower as the cassette grew (27 ms, then 241 ms). Here a change only marks the
cassette dirty: a flusher thread, running only while there are unsaved changes,
writes the file atomically (``write_atomic``: temporary file, fsync, rename), and
changes that arrive meanwhile are batched into its next write. Each interaction's
redacted YAML is kept until that interaction changes (or a new secret is learnt),
so a write costs the changed entries plus copying text, not a full re-dump.

``flush()`` waits for the file to hold every change (and re-raises a failed write:
a ``SecretLeak`` or a full disk); ``close()`` is the final flush. A process that
ends without closing still writes its last batch: the flusher is not a daemon
thread, so the interpreter waits for it at exit.
"""

from __future__ import annotations

import logging
import threading

from fashn_mock.cassettes.atomic import write_atomic
from fashn_mock.cassettes.format import Cassette, Interaction, assemble, dump_interaction
from fashn_mock.cassettes.redact import Redactor

log = logging.getLogger("fashn_mock.record")


class CassetteWriter:
    def __init__(self, cassette: Cassette, redactor: Redactor) -> None:
        self.cassette = cassette
        self.redactor = redactor
        self.lock = threading.Lock()
        """Held while the cassette changes and while its text is rendered."""
        self.writes = 0
        """Files written so far (fewer than changes: changes are batched)."""
        self.error: BaseException | None = None
        self._idle = threading.Condition(self.lock)
        self._dirty = False
        self._flusher: threading.Thread | None = None
        self._texts: dict[int, str] = {}
        self._version = -1

    def mark(self, interaction: Interaction | None = None) -> None:
        """Something changed (``interaction``, when an existing one changed); call
        with ``lock`` held, right after the change. The file is written soon."""
        if interaction is not None:
            self._texts.pop(id(interaction), None)
        self._dirty = True
        if self._flusher is None and self.error is None:
            self._flusher = threading.Thread(target=self._flush_loop, daemon=False,
                                             name="fashn-mock-cassette-writer")
            self._flusher.start()

    def render(self) -> str:
        """The whole file; call with ``lock`` held. Cached entries are reused."""
        if self.redactor.version != self._version:
            self._texts.clear()
            self._version = self.redactor.version
        head = self.cassette.head()
        self.redactor.check(head)
        texts = []
        for interaction in self.cassette.interactions:
            text = self._texts.get(id(interaction))
            if text is None:
                text = dump_interaction(interaction, self.redactor)
                self.redactor.check(text)  # refuse to write a secret
                self._texts[id(interaction)] = text
            texts.append(text)
        return assemble(head, texts)

    def _flush_loop(self) -> None:
        while True:
            with self.lock:
                if not self._dirty or self.error is not None:
                    self._flusher = None
                    self._idle.notify_all()
                    return
                self._dirty = False
                try:
                    text = self.render()
                except Exception as exc:  # SecretLeak, an unrepresentable value
                    self._fail(exc)
                    continue
            try:
                write_atomic(self.cassette.path, text.encode("utf-8"))
            except OSError as exc:
                with self.lock:
                    self._fail(exc)
                continue
            with self.lock:
                self.writes += 1

    def _fail(self, exc: BaseException) -> None:
        self.error = exc
        log.error("fashn-mock record: cannot save %s: %s", self.cassette.path, exc)

    def flush(self) -> None:
        """Wait until the file holds every change; raise the error of a failed write."""
        with self.lock:
            while self._flusher is not None:
                self._idle.wait()
            if self.error is not None:
                raise self.error

    def close(self) -> None:
        self.flush()
