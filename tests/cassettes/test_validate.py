"""Cassettes are untrusted input: every wrong value is refused at load, naming the
file, the line and the field."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fashn_mock.cassettes import Cassette, CassetteError, ReplaySource
from fashn_mock.emulator import Emulator

PNG = b"\x89PNG recorded output"
REF = f"media/{hashlib.sha256(PNG).hexdigest()}.png"
TEXT = f"""\
version: 1
redactions:
- https://customer\\.example/\\S+
interactions:
- request:
    method: POST
    path: /v1/run
    body:
      inputs:
        image: https://example.com/bag.jpg
      model_name: background-remove
  response:
    status: 200
    headers:
      content-type: application/json
    body:
      error: null
      id: p1
  timeline:
  - at: 0.0
    polls: 1
    response:
      status: 200
      body: {{id: p1, status: processing, error: null, output: null}}
  - at: 2.5
    polls: 1
    response:
      status: 200
      headers:
        x-fashn-credits-used: '1'
      body: {{id: p1, status: completed, error: null, output: [{REF}]}}
  outputs:
  - name: output_0.png
    file: {REF}
    content_type: image/png
- request:
    method: GET
    path: /v1/credits
  response:
    status: 429
    headers:
      retry-after: '1'
    body: {{error: RateLimitExceeded, message: slow down}}
"""


def write(folder: Path, text: str = TEXT) -> Path:
    (folder / "media").mkdir(exist_ok=True)
    (folder / REF).write_bytes(PNG)
    path = folder / "c.yaml"
    path.write_text(text)
    return path


def line_number(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


def test_the_template_is_valid(tmp_path: Path) -> None:
    cassette = Cassette.load(write(tmp_path))
    assert [i.request.path for i in cassette.interactions] == ["/v1/run", "/v1/credits"]


@pytest.mark.parametrize(("old", "new", "message", "where"), [(*case, None) if len(case) == 3
                                                           else case for case in [
    ("status: 429", "status: 1000", "interactions[1].response.status: an HTTP status: a "
                                    "whole number from 200 to 599, not 1000"),
    ("status: 429", "status: 100", "not 100"),
    ("status: 429", "status: true", "not True"),
    ("status: 429", "status: '429'", "not '429'"),
    ("at: 2.5", "at: 9e9", "timeline[1].at"),  # a YAML string, not a number
    ("at: 2.5", "at: 1.0e+9", "seconds: a number from 0 to 604800, not 1000000000.0"),
    ("at: 2.5", "at: -1.0", "timeline[1].at: seconds"),
    ("at: 0.0", "at: 3.0", "timeline[1].at: offsets must not decrease (2.5 after 3.0)",
     "at: 2.5"),
    ("polls: 1\n    response:\n      status: 200\n      headers",
     "polls: 0\n    response:\n      status: 200\n      headers",
     "timeline[1].polls: polls: a whole number from 1 to 1000000, not 0"),
    ("x-fashn-credits-used: '1'", "x-fashn-credits-used: '1" + "0" * 30 + "'",
     "credits used: a whole number"),
    ("x-fashn-credits-used: '1'", "x-fashn-credits-used: \"1\\r\\nset-cookie: x\"",
     "a header value: Latin-1 text without control characters"),
    ("retry-after: '1'", "retry after: '1'", "not an HTTP header name"),
    ("content_type: image/png", "content_type: \"image/png\\nx: y\"", "a media type"),
    ("name: output_0.png", "name: ../../etc/passwd", "outputs[0].name"),
    (f"file: {REF}", "file: /etc/passwd", "not a media reference"),
    ("path: /v1/credits", "path: v1/credits", "a request path"),
    ("method: GET", "method: BREW", "an HTTP method"),
    ("  timeline:", "  tmeline:", "unknown field 'tmeline'"),
    ("- https://customer\\.example/\\S+", "- (?=lookahead)", "RE2 syntax"),
    ("- https://customer\\.example/\\S+", "- x*", "matches empty text"),
    ("- https://customer\\.example/\\S+", "- 42", "redactions[0]: expected text"),
]])
def test_wrong_values_are_named_with_file_and_line(tmp_path: Path, old: str, new: str,
                                                   message: str, where: str | None) -> None:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(CassetteError) as caught:
        Cassette.load(path)
    error = str(caught.value)
    assert message in error
    expected = line_number(text, where or new.splitlines()[0].strip())
    assert error.startswith(f"{path}:{expected}: "), (error, expected)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("at: 2.5", "at: .nan", "a non-finite number (.nan) is not allowed"),
    ("status: 429", "status: .inf", "a non-finite number (.inf) is not allowed"),
    ("      id: p1", "      id: p1\n      score: -.inf", "a non-finite number (-.inf)"),
    ("  - at: 2.5", "  - &step at: 2.5", "YAML anchors (&step) are not allowed"),
    ("status: 429", "status: 1" + "0" * 5000, "an integer of more than 30 digits"),
])
def test_unreadable_values_are_named_with_file_and_line(tmp_path: Path, old: str,
                                                        new: str, message: str) -> None:
    text = TEXT.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(CassetteError) as caught:
        Cassette.load(path)
    expected = line_number(text, new.splitlines()[-1].strip())
    assert str(caught.value) == f"{path}:{expected}: cannot read cassette: " \
        f"{str(caught.value).split('cannot read cassette: ')[1]}"
    assert message in str(caught.value)


def test_a_nan_offset_never_reaches_the_engine(tmp_path: Path) -> None:
    """``at: .nan`` used to lock the key out with 429s and stop retention for all."""
    path = write(tmp_path, TEXT.replace("at: 2.5", "at: .nan"))
    with pytest.raises(CassetteError, match="non-finite"):
        ReplaySource.load(path).attach(Emulator(manual_clock=True))


def test_oversized_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fashn_mock.cassettes import format as cassette_format

    monkeypatch.setattr(cassette_format, "MAX_BYTES", 100)
    with pytest.raises(CassetteError, match="larger than 100 bytes"):
        Cassette.load(write(tmp_path))


def link_media_to_a_secret(folder: Path) -> None:
    (folder / "passwd").write_text("root:x:0:0:secret")
    (folder / REF).unlink()
    (folder / REF).symlink_to(folder / "passwd")


def test_a_linked_media_file_is_refused_at_load(tmp_path: Path) -> None:
    path = write(tmp_path)
    link_media_to_a_secret(tmp_path)
    with pytest.raises(CassetteError) as caught:
        Cassette.load(path)
    assert str(caught.value).startswith(f"{path}:{line_number(TEXT, f'file: {REF}')}: ")
    assert "interactions[0].outputs[0].file" in str(caught.value)
    assert "symbolic link" in str(caught.value)


def test_a_link_swapped_in_after_loading_is_not_served(tmp_path: Path) -> None:
    emulator = Emulator(manual_clock=True, time_scale=0)
    ReplaySource.load(write(tmp_path), by_polls=True, strict=True).attach(emulator)
    link_media_to_a_secret(tmp_path)
    body = {"model_name": "background-remove",
            "inputs": {"image": "https://example.com/bag.jpg"}}
    with emulator.httpx_client(headers={"Authorization": "Bearer k"}) as client:
        prediction = client.post("/v1/run", json=body).json()["id"]
        client.get(f"/v1/status/{prediction}")
        done = client.get(f"/v1/status/{prediction}").json()
        assert done["status"] == "completed"
        output = client.get(done["output"][0])
    assert output.status_code == 404 and b"secret" not in output.content
