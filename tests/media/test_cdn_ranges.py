"""Byte ranges on the CDN, which browsers' video players rely on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.faces.cdn import RangeNotSatisfiable, byte_range
from tests.support import AUTH, tryon


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-1", (0, 1)), ("bytes=5-", (5, 9)), ("bytes=-3", (7, 9)),
    ("bytes=4-100", (4, 9)), ("bytes=-100", (0, 9)), ("bytes=0-1,4-5", None),
    ("items=0-1", None), ("bytes=-", None),
    ("bytes=0-" + "9" * 5000, (0, 9)), ("bytes=-" + "9" * 5000, (0, 9)),
    ("bytes=" + "0" * 5000 + "3-4", (3, 4)), ("bytes=\u0663-", None),  # an Arabic-Indic 3
])
def test_single_ranges_are_parsed(header: str | None, expected: tuple[int, int] | None
                                  ) -> None:
    assert byte_range(header, 10) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=6-5", "bytes=-0",
                                    "bytes=" + "9" * 5000 + "-", "bytes=-" + "0" * 5000])
def test_impossible_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 10)


@given(header=st.text(max_size=30) | st.from_regex(r"\Abytes=[0-9]{0,25}-[0-9]{0,25}\Z"),
       length=st.integers(0, 10**6))
def test_any_header_gives_a_range_inside_the_file_or_none(header: str, length: int) -> None:
    try:
        found = byte_range(header, length)
    except RangeNotSatisfiable:
        return
    if found is not None:
        first, last = found
        assert 0 <= first <= last < length


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


def test_absurd_ranges_are_answered_not_failed() -> None:
    with Emulator(time_scale=0).httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
        url = client.get(f"/v1/status/{prediction_id}").json()["output"][0]
        size = len(client.get(url).content)
        tail = client.get(url, headers={"range": "bytes=1-" + "9" * 5000})
        past = client.get(url, headers={"range": "bytes=" + "9" * 5000 + "-"})
    assert tail.status_code == 206 and tail.headers["content-range"] == f"bytes 1-{size - 1}/{size}"
    assert past.status_code == 416
