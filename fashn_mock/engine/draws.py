"""The random numbers of one prediction, derived from (seed, sequence number).

A prediction's id (when seeded), its chaos failure, its duration jitter and its
duration are drawn from ``Draws(seed, sequence)``: BLAKE2b of the sequence number,
keyed with the seed, read as 64-bit words one draw at a time. The sequence number is
the store's (``store.base.Sequence``), shared by every process on a shared store, so
two processes seeded alike never make the same prediction twice, and one process
makes the same predictions for the same requests and seed, run after run, whichever
other predictions it made in between (no stream is shared between predictions).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
WORDS = 8
"""64-bit words per digest; a ninth draw hashes the next block."""
_UNPACK = struct.Struct(">8Q").unpack
_FRACTION = 2.0 ** -53


class Draws:
    """A tiny deterministic generator with the part of ``random.Random``'s interface the
    engine uses (``random``, ``uniform``, ``choice``, ``getrandbits``)."""

    __slots__ = ("_block", "_key", "_next", "_sequence", "_words")

    def __init__(self, seed: int, sequence: int) -> None:
        self._key = seed.to_bytes(8, "big")
        self._sequence = sequence
        self._block = 0
        self._words = self._digest(0)
        self._next = 0

    def _digest(self, block: int) -> tuple[int, ...]:
        message = self._sequence.to_bytes(8, "big") + block.to_bytes(4, "big")
        return _UNPACK(hashlib.blake2b(message, digest_size=64, key=self._key).digest())

    def word(self) -> int:
        """The next 64 random bits."""
        if self._next == WORDS:
            self._block += 1
            self._words, self._next = self._digest(self._block), 0
        word = self._words[self._next]
        self._next += 1
        return word

    def random(self) -> float:
        """A float in [0, 1)."""
        return (self.word() >> 11) * _FRACTION

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()

    def choice(self, options: Sequence[T]) -> T:
        return options[self.word() % len(options)]

    def getrandbits(self, bits: int) -> int:
        value, have = 0, 0
        while have < bits:
            value, have = value << 64 | self.word(), have + 64
        return value >> (have - bits)
