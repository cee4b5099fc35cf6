"""The soak benchmark's driver works: two seconds against a real server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import bench_soak


def test_a_short_soak_answers_without_5xx_and_keeps_the_books(tmp_path: Path) -> None:
    output = tmp_path / "soak.json"
    # the slow scenarios (a 10 s trickling fetch, 20 MB bodies) would outlast 2 s
    result = bench_soak.main(["--duration", "2", "--workers", "4", "--rss-every", "0.2",
                              "--without", "trickle,huge_body,big_header,run_large",
                              "--output", str(output)])
    assert json.loads(output.read_text())["soak"]["requests"] == result["requests"]
    assert result["requests"] > 20 and len(result["by_scenario"]) > 5
    assert result["five_xx"] == 0 and result["transport_errors"] == 0
    assert result["books"]["ok"] and result["books"]["keys_checked"] > 0
    assert result["rss_mb"]["peak"] > 0 and result["rss_mb"]["series"]
