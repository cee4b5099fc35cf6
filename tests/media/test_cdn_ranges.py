"""Byte ranges on the CDN, which browsers' video players rely on."""

from __future__ import annotations

import pytest

from fashn_mock import Emulator
from fashn_mock.faces.cdn import RangeNotSatisfiable, byte_range
from tests.support import AUTH, tryon


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-1", (0, 1)), ("bytes=5-", (5, 9)), ("bytes=-3", (7, 9)),
    ("bytes=4-100", (4, 9)), ("bytes=-100", (0, 9)), ("bytes=0-1,4-5", None),
    ("items=0-1", None), ("bytes=-", None),
])
def test_single_ranges_are_parsed(header: str | None, expected: tuple[int, int] | None
                                  ) -> None:
    assert byte_range(header, 10) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=6-5", "bytes=-0"])
def test_impossible_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 10)


def test_partial_content_from_the_cdn() -> None:
    with Emulator(time_scale=0).httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
        url = client.get(f"/v1/status/{prediction_id}").json()["output"][0]
        whole = client.get(url)
        part = client.get(url, headers={"range": "bytes=0-7"})
        beyond = client.get(url, headers={"range": f"bytes={len(whole.content)}-"})
    assert whole.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206 and part.content == whole.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert part.headers["content-range"] == f"bytes 0-7/{len(whole.content)}"
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(whole.content)}"
