"""Input images held for rendering: content-addressed, bounded in bytes.

A prediction does not keep its data-URI images: its stored inputs name each one by a
token, ``fashn-mock-input:sha256:<hex>`` (the SHA-256 of the URI text), and what the
renderer needs of the image is held here, once for every prediction that sent it.

What is held for an image drawn at ``target`` pixels is the smaller of

- the uploaded file's bytes, decoded at render time exactly as before, or
- the pixels ``opening.open_image(raw, target)`` decodes: the very image the renderer
  would have drawn from the data URI (a 26 MB PNG drawn at 1024x1024 keeps ~3 MB),
  when the header says they take at most half the file's bytes.

Either way a render sees the same pixels as from the data URI itself, so output bytes
do not change. Entries are dropped least recently used first beyond ``budget_bytes``
(``--input-cache-mb``); an input released before its output is rendered is drawn as
the labelled placeholder (``media.job.explain`` says why).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageFile

from fashn_mock.catalog.rules import Size
from fashn_mock.media.opening import open_image, prepared_bytes

PREFIX = "fashn-mock-input:sha256:"
TOKEN = re.compile(r"fashn-mock-input:sha256:([0-9a-f]{64})")
HASH_CHUNK = 1 << 20
"""Long text is hashed a slice at a time: no copy of the whole string."""

Key = tuple[str, Size | None]
"""(digest, target): pixels prepared for one drawn size; raw file bytes under None."""


def token(text: str) -> str:
    """The stand-in for a long input string: its SHA-256, named."""
    digest = hashlib.sha256()
    for start in range(0, len(text), HASH_CHUNK):
        digest.update(text[start:start + HASH_CHUNK].encode("utf-8", "surrogatepass"))
    return PREFIX + digest.hexdigest()


def is_token(value: object) -> bool:
    return isinstance(value, str) and TOKEN.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Held:
    raw: bytes | None
    image: Image.Image | None
    size: int
    """Bytes it occupies (file bytes, or width x height x bands)."""

    def load(self, target: Size | None) -> Image.Image | None:
        return self.image if self.image is not None else open_image(self.raw or b"", target)


def _pixels(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())


def prepare(raw: bytes, target: Size) -> Held | None:
    """What to hold of ``raw`` (a decodable image) drawn at ``target``: the smaller of
    its bytes and its prepared pixels. Decodes only when the header says the pixels
    take at most half the file's bytes."""
    if len(raw) <= target[0] * target[1] * 3:
        return Held(raw, None, len(raw))
    estimate = prepared_bytes(raw, target)
    if estimate is None:
        return None
    if 2 * estimate > len(raw):  # not worth a decode now (and a copy of the pixels)
        return Held(raw, None, len(raw))
    image = open_image(raw, target)
    if image is None:
        return None
    if _pixels(image) >= len(raw):
        return Held(raw, None, len(raw))
    if isinstance(image, ImageFile.ImageFile):
        image = image.copy()  # an opened file keeps its source bytes: drop them
    return Held(None, image, _pixels(image))


class HeldInputs:
    """The store: ``hold`` at submit, ``get`` at render. Thread-safe."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[Key, Held] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()
        self.released = 0
        """Entries dropped to stay within the budget."""
        self.misses = 0
        """Lookups of a token no longer (or never) held: placeholders drawn."""

    @property
    def used_bytes(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._entries)

    def hold(self, stand_in: str, raw: bytes, target: Size) -> None:
        """Keep what rendering ``raw`` at ``target`` needs, under ``stand_in``'s digest.
        Decoding (when needed) happens outside the lock, in a decode slot."""
        digest = stand_in.removeprefix(PREFIX)
        if self.budget_bytes <= 0 or self._touch((digest, target), (digest, None)):
            return
        held = prepare(raw, target)
        if held is None:
            return
        with self._lock:
            self._keep((digest, None if held.raw is not None else target), held)

    @staticmethod
    def owns(value: str) -> bool:
        """Whether ``value`` is a stand-in this store may resolve."""
        return is_token(value)

    def get(self, stand_in: str, target: Size | None) -> Image.Image | None:
        """The image behind ``stand_in`` prepared for ``target``, or None if released."""
        match = TOKEN.fullmatch(stand_in)
        if match is None:
            return None
        digest = match.group(1)
        with self._lock:
            held = None
            for key in ((digest, target), (digest, None)):
                held = self._entries.get(key)
                if held is not None:
                    self._entries.move_to_end(key)
                    break
            if held is None:
                self.misses += 1
                return None
        return held.load(target)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._used = 0

    def _touch(self, *keys: Key) -> bool:
        with self._lock:
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return True
        return False

    def _keep(self, key: Key, held: Held) -> None:
        if key in self._entries or held.size > self.budget_bytes:
            return
        self._entries[key] = held
        self._used += held.size
        while self._used > self.budget_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._used -= dropped.size
            self.released += 1
