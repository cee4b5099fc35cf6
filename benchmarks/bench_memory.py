"""Memory cost of stored predictions, measured in-process through the engine.

Creates ``Emulator(time_scale=0)``, warms it up, reads VmRSS, then submits
``--count`` (100 000) realistic predictions exactly as the native face would:
a fresh JSON body per request (a mix of models, unique URL inputs), the key
parsed from an ``Authorization`` header, ``parse_run_body`` then
``engine.submit``. It polls ``--polls`` of them (status + payload), reads VmRSS
again and reports the delta and bytes per prediction against the budget
(100 000 predictions <= 200 MB), plus in-process submit and status throughput.
``--trace N`` adds a tracemalloc pass over N more predictions on a fresh
emulator, attributing the bytes to source lines. Results: results/memory.json.

    .venv/bin/python benchmarks/bench_memory.py [--count 100000] [--trace 20000]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import re
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "memory.json"
BUDGET_BYTES = 200 * 1000 * 1000
"""100 000 stored predictions may add at most 200 MB of RSS."""
BUDGET_COUNT = 100_000
BASE_URL = "http://127.0.0.1:8000"

Body = dict[str, Any]


def _tryon(i: int, rng: random.Random) -> Body:
    return {"model_name": "tryon-v1.6", "inputs": {
        "model_image": f"https://images.example-shop.com/models/{rng.getrandbits(64):016x}.jpg",
        "garment_image": f"https://images.example-shop.com/garments/sku-{i:08d}-front.png",
        "category": rng.choice(["auto", "tops", "bottoms", "one-pieces"]),
        "mode": rng.choice(["performance", "balanced", "quality"]),
        "seed": rng.randrange(2**31), "num_samples": rng.choice([1, 1, 1, 2, 4])}}


def _tryon_max(i: int, rng: random.Random) -> Body:
    return {"model_name": "tryon-max", "inputs": {
        "model_image": f"https://storage.example.org/uploads/{rng.getrandbits(96):024x}.webp",
        "product_image": f"https://cdn.example-shop.com/p/{i:09d}/main.jpg",
        "resolution": rng.choice(["1k", "2k"]), "num_images": rng.choice([1, 2])}}


def _product_to_model(i: int, rng: random.Random) -> Body:
    return {"model_name": "product-to-model", "inputs": {
        "product_image": f"https://cdn.example-shop.com/p/{i:09d}/flat.png",
        "prompt": f"a model wearing the product on a city street, look {i % 97}",
        "aspect_ratio": rng.choice(["3:4", "2:3", "1:1"]), "seed": i}}


def _background_remove(i: int, rng: random.Random) -> Body:
    return {"model_name": "background-remove", "inputs": {
        "image": f"https://images.example-shop.com/raw/{rng.getrandbits(64):016x}.jpg"}}


def _model_create(i: int, rng: random.Random) -> Body:
    return {"model_name": "model-create", "inputs": {
        "prompt": f"full-body studio photo of a fashion model, variation {i}, soft light",
        "aspect_ratio": "2:3", "num_images": rng.choice([1, 2, 4])}}


def _edit(i: int, rng: random.Random) -> Body:
    return {"model_name": "edit", "inputs": {
        "image": f"https://images.example-shop.com/edit/{rng.getrandbits(64):016x}.png",
        "prompt": f"change the jacket colour to shade {i % 255}"}}


MIX: list[tuple[Callable[[int, random.Random], Body], int]] = [
    (_tryon, 50), (_tryon_max, 10), (_product_to_model, 15), (_background_remove, 10),
    (_model_create, 10), (_edit, 5)]
"""Body makers and their weights (percent): mostly try-ons, as real traffic would be."""


def bodies(count: int, seed: int) -> Iterator[bytes]:
    """``count`` fresh JSON bodies, made one at a time as they would arrive over HTTP."""
    rng = random.Random(seed)
    makers, weights = [m for m, _ in MIX], [w for _, w in MIX]
    for i in range(count):
        yield json.dumps(rng.choices(makers, weights)[0](i, rng)).encode()


def rss_bytes() -> int:
    """This process's resident set size, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def hwm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def submit_all(emulator: Any, count: int, keys: int, seed: int) -> tuple[list[str], float, float]:
    """Submit ``count`` predictions; returns their ids and seconds spent parsing, submitting."""
    from fashn_mock.faces.common import require_bearer
    from fashn_mock.validation import parse_json, parse_run_body

    engine = emulator.engine
    headers = [f"Bearer bench-key-{k:02d}" for k in range(keys)]
    ids: list[str] = []
    parse_s = submit_s = 0.0
    for i, raw in enumerate(bodies(count, seed)):
        t0 = time.perf_counter()
        key = engine.check_key(require_bearer(headers[i % keys]))  # a fresh key, as per request
        run = parse_run_body(parse_json(raw))
        t1 = time.perf_counter()
        ids.append(engine.submit(key, run).id)
        t2 = time.perf_counter()
        parse_s += t1 - t0
        submit_s += t2 - t1
    return ids, parse_s, submit_s


def poll(emulator: Any, ids: list[str], keys: int, polls: int, seed: int) -> float:
    """Status + payload for ``polls`` random predictions; returns polls per second."""
    from fashn_mock.faces.native import payload as status_body

    engine = emulator.engine
    rng = random.Random(seed)
    picks = [rng.randrange(len(ids)) for _ in range(polls)]
    start = time.perf_counter()
    for i in picks:
        view = engine.status(f"bench-key-{i % keys:02d}", ids[i])
        payload = status_body(engine, view, BASE_URL)
        assert payload["status"] in ("completed", "failed"), payload
    return polls / (time.perf_counter() - start)


def trace(count: int, keys: int, seed: int, top: int) -> list[dict[str, Any]]:
    """Bytes per prediction by allocating source line, from a tracemalloc pass."""
    from fashn_mock import Emulator

    emulator = Emulator(time_scale=0)
    submit_all(emulator, 200, keys, seed + 1)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    submit_all(emulator, count, keys, seed + 2)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = after.compare_to(before, "lineno")
    rows = [{"where": f"{_short_path(s.traceback[0].filename)}:{s.traceback[0].lineno}",
             "bytes_per_prediction": round(s.size_diff / count, 1),
             "blocks_per_prediction": round(s.count_diff / count, 2)}
            for s in stats[:top] if s.size_diff > 0]
    total = sum(s.size_diff for s in stats)
    rows.append({"where": "TOTAL traced", "bytes_per_prediction": round(total / count, 1),
                 "blocks_per_prediction": round(sum(s.count_diff for s in stats) / count, 2)})
    return rows


def _short_path(filename: str) -> str:
    """``fashn_mock/engine/core.py``, ``json/encoder.py``: paths without their prefix."""
    for marker, shown in (("/fashn_mock/", "fashn_mock/"), ("site-packages/", "")):
        if marker in filename:
            return shown + filename.rpartition(marker)[2]
    return re.sub(r"^.*/lib/python3\.\d+/", "", filename)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=BUDGET_COUNT,
                        help="predictions to store (100000)")
    parser.add_argument("--keys", type=int, default=10, help="API keys to spread them over")
    parser.add_argument("--polls", type=int, default=10_000,
                        help="status polls of random stored predictions (10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trace", type=int, default=0, metavar="N",
                        help="also attribute memory to source lines over N predictions")
    parser.add_argument("--source", type=Path, default=REPO,
                        help="tree whose fashn_mock is measured (this repo)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true", help="exit 1 over budget")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(args.source.resolve()))
    import fashn_mock
    from fashn_mock import Emulator

    emulator = Emulator(time_scale=0)
    submit_all(emulator, 300, args.keys, args.seed + 99)  # compile validators, warm caches
    poll(emulator, list(emulator.engine.predictions)[1:], args.keys, 100, args.seed)
    gc.collect()
    rss_before = rss_bytes()
    start = time.perf_counter()
    ids, parse_s, submit_s = submit_all(emulator, args.count, args.keys, args.seed)
    wall_s = time.perf_counter() - start
    polls_per_s = poll(emulator, ids, args.keys, args.polls, args.seed)
    gc.collect()
    rss_after = rss_bytes()
    delta = rss_after - rss_before
    allowed = BUDGET_BYTES * args.count / BUDGET_COUNT
    per_prediction = delta / args.count
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(), "fashn_mock": fashn_mock.__file__,
        "count": args.count, "keys": args.keys, "stored": len(emulator.engine.predictions),
        "mix_percent": {m.__name__.lstrip("_"): w for m, w in MIX},
        "rss_before_bytes": rss_before, "rss_after_bytes": rss_after,
        "rss_peak_bytes": hwm_bytes(), "rss_delta_bytes": delta,
        "bytes_per_prediction": round(per_prediction, 1),
        "budget_bytes": allowed, "within_budget": delta <= allowed,
        "submit_wall_s": round(wall_s, 3),
        "submits_per_s_end_to_end": round(args.count / wall_s),
        "parse_us_per_request": round(parse_s / args.count * 1e6, 2),
        "submit_us_per_request": round(submit_s / args.count * 1e6, 2),
        "status_polls": args.polls, "status_polls_per_s": round(polls_per_s),
    }
    del ids
    if args.trace:
        del emulator
        gc.collect()
        report["tracemalloc"] = {"count": args.trace,
                                 "top": trace(args.trace, args.keys, args.seed, 15)}
    print(f"{args.count} predictions: RSS {rss_before / 1e6:.1f} MB -> {rss_after / 1e6:.1f} MB,"
          f" +{delta / 1e6:.1f} MB = {per_prediction:.0f} bytes/prediction "
          f"(budget {allowed / 1e6:.0f} MB: {'MET' if delta <= allowed else 'MISSED'})")
    print(f"submit: {report['submits_per_s_end_to_end']}/s end to end "
          f"(parse+validate {report['parse_us_per_request']} us, "
          f"engine.submit {report['submit_us_per_request']} us per request); "
          f"status+payload: {report['status_polls_per_s']}/s")
    for row in report.get("tracemalloc", {}).get("top", []):
        print(f"  {row['bytes_per_prediction']:>8.1f} B {row['blocks_per_prediction']:>6.2f} "
              f"blocks  {row['where']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 1 if args.check and delta > allowed else 0


if __name__ == "__main__":
    raise SystemExit(main())
