"""The cassette file: round trip, stable diff-friendly text, loading rules."""

from __future__ import annotations

from pathlib import Path

from fashn_mock.cassettes import Cassette
from fashn_mock.cassettes.format import (
    Interaction,
    Output,
    Request,
    Response,
    Step,
    cassette_files,
    kept_headers,
)
from tests.cassettes.conftest import Recording


def sample(path: Path) -> Cassette:
    run = Interaction(
        Request("POST", "/v1/run", {}, {"model_name": "edit",
                                        "inputs": {"prompt": "red", "image": "https://x/a"}}),
        Response(200, {"content-type": "application/json"}, {"id": "p1", "error": None}),
        [Step(0.0, 2, Response(200, {}, {"status": "starting", "id": "p1", "error": None,
                                         "output": None})),
         Step(1.25, 1, Response(429, {"retry-after": "1"}, {"error": "RateLimitExceeded",
                                                            "message": "slow down"})),
         Step(9.5, 1, Response(200, {"x-fashn-credits-used": "2"},
                               {"status": "completed", "id": "p1", "error": None,
                                "output": ["media/" + "a" * 64 + ".png"]}))],
        [Output("output_0.png", "media/" + "a" * 64 + ".png", "image/png")])
    return Cassette(path, [run], ["secret-[0-9]+"], "https://api.fashn.ai")


def test_round_trip(tmp_path: Path) -> None:
    original = sample(tmp_path / "c.yaml")
    original.save()
    loaded = Cassette.load(tmp_path / "c.yaml")
    assert loaded == original
    (run,) = loaded.interactions
    assert run.is_run and run.prediction_id == "p1"
    assert [s.status for s in run.timeline] == ["starting", None, "completed"]
    assert run.terminal is run.timeline[-1]


def test_text_is_stable_and_sorted(tmp_path: Path) -> None:
    text = sample(tmp_path / "c.yaml").dumps()
    assert text == sample(tmp_path / "c.yaml").dumps()
    assert text.startswith("# fashn-mock cassette")
    assert text.index("version: 1") < text.index("upstream:") < text.index("interactions:")
    body = text[text.index("    body:"):]
    assert body.index("inputs:") < body.index("model_name:")  # payload keys sorted
    assert body.index("image:") < body.index("prompt:")
    assert "at: 1.25" in text and "polls: 2" in text


def test_recorded_cassettes_round_trip_byte_for_byte(recording: Recording) -> None:
    text = Path(recording.path).read_text()
    assert Cassette.load(recording.path).dumps() == text


def test_kept_headers() -> None:
    assert kept_headers({"Content-Type": "application/json", "Date": "x", "Server": "u",
                         "X-Fashn-Credits-Used": "1", "X-Fashn-Request-Id": "r",
                         "Set-Cookie": "s", "Retry-After": "2"}) == {
        "content-type": "application/json", "retry-after": "2",
        "x-fashn-credits-used": "1", "x-fashn-request-id": "r"}


def test_cassette_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "sub/c.yaml", ".hidden.yaml", "media/x.png",
                 ".a.yaml.123.tmp"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in cassette_files(tmp_path)] == \
        ["a.yml", "b.yaml", "sub/c.yaml"]
    assert cassette_files(tmp_path / "b.yaml") == [tmp_path / "b.yaml"]
