from __future__ import annotations

import base64

from fashn_mock.media.sources import ImageLoader
from tests.media import images


def test_the_loader_resolves_data_uris_only_without_a_fetcher() -> None:
    loader = ImageLoader()
    good = images.uri(images.shirt((20, 30)))
    assert loader.can_load(good) and not loader.can_load("https://example.com/a.png")
    decoded = loader(good)
    assert decoded is not None and decoded.size == (20, 30)
    assert loader("data:image/png;base64,!!!") is None
    assert loader("data:image/png;base64," + base64.b64encode(b"junk").decode()) is None
    assert loader("https://example.com/a.png") is None
