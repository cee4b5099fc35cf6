"""Render benchmark: first-render time per model and size, video encode time,
peak memory of 4k renders and cache behaviour.

    .venv/bin/python benchmarks/bench_render.py [--repeat 9] [--quick]

Every timed render is a *first* render (a new seed each time, nothing cached);
the figure printed is the median. "placeholder" renders have no loadable image
inputs; "composed" renders decode JPEG data-URI inputs and compose them.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from PIL import Image, ImageDraw

from fashn_mock import catalog
from fashn_mock.media import MediaStore, RenderJob, canvas, render

IMAGE_SIZES = {"1k": (864, 1296), "2k": (2048, 2048), "4k": (4096, 4096)}


def _uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _photos() -> dict[str, str]:
    person = canvas.gradient((864, 1296), (205, 200, 190), (150, 140, 130))
    canvas.Figure.place(person.size).draw(ImageDraw.Draw(person), (60, 45, 40))
    product = Image.new("RGB", (1000, 1000), (250, 250, 250))
    canvas.garment_shape(ImageDraw.Draw(product), (100, 100, 900, 900), (30, 80, 200))
    return {"person": _uri(person), "product": _uri(product)}


def _inputs(model: str, photos: dict[str, str]) -> dict[str, Any]:
    spec = catalog.BY_NAME[model]
    inputs: dict[str, Any] = {"prompt": "a linen suit"} if "prompt" in spec.properties else {}
    for name in spec.required:
        if name in spec.image_inputs:
            inputs[name] = photos["product" if "product" in name or "garment" in name
                                  else "person"]
    if model == "reframe":
        inputs["aspect_ratio"] = "16:9"
    return inputs


def time_render(model: str, inputs: dict[str, Any], size: tuple[int, int], fmt: str,
                repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``repeat`` first renders (distinct seeds).
    CPU time is the steadier figure when other processes share the machine."""
    spec = catalog.BY_NAME[model]
    text = json.dumps(inputs, sort_keys=True)
    wall, cpu = [], []
    for seed in range(repeat):
        job = RenderJob(model, text, seed, 0, size, fmt, spec.transparent)
        start, start_cpu = time.perf_counter(), time.process_time()
        render(job)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _cell(times: tuple[float, float]) -> str:
    return f"{times[0]:.1f} ({times[1]:.1f})"


def images(repeat: int, quick: bool) -> None:
    photos = _photos()
    print(f"\nimage renders, median of {repeat} first renders, ms wall (ms CPU)")
    print(f"{'model':<20}{'size':>11}{'fmt':>6}{'placeholder':>16}{'composed':>16}")
    for spec in catalog.MODELS:
        if spec.output_kind != "image":
            continue
        inputs = _inputs(spec.name, photos)
        size = spec.geometry({**spec.defaults(), **inputs}, {})
        for fmt in ("png",) if spec.transparent else ("png", "jpeg"):
            empty = {k: v for k, v in inputs.items() if k not in spec.image_inputs}
            cold = _cell(time_render(spec.name, empty, size, fmt, repeat))
            warm = _cell(time_render(spec.name, inputs, size, fmt, repeat))
            print(f"{spec.name:<20}{size[0]:>5}x{size[1]:<5}{fmt:>6}{cold:>16}{warm:>16}")
    tiers = ("2k",) if quick else ("2k", "4k")
    for tier in tiers:
        for fmt in ("png", "jpeg"):
            ms = _cell(time_render("tryon-max", _inputs("tryon-max", photos), IMAGE_SIZES[tier],
                                   fmt, max(3, repeat // 3)))
            print(f"{'tryon-max':<20}{tier + ' 1:1':>11}{fmt:>6}{'':>16}{ms:>16}")


def peak_memory() -> None:
    """Peak RSS growth of one 4096x4096 render, measured in a fresh interpreter
    (``VmHWM``: ``ru_maxrss`` would inherit this process's peak across exec)."""
    print("\npeak memory of one 4096x4096 render (fresh process, peak RSS growth)")
    for model, fmt in (("model-create", "png"), ("model-create", "jpeg"),
                       ("tryon-max", "png"), ("tryon-max", "jpeg")):
        code = (
            "import json, sys; sys.path.insert(0, 'benchmarks')\n"
            "from bench_render import _inputs, _photos\n"
            "from fashn_mock.media import RenderJob, render\n"
            "def hwm():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            return int(line.split()[1]) // 1024\n"
            f"inputs = json.dumps(_inputs('{model}', _photos()), sort_keys=True)\n"
            "render(RenderJob('model-create', '{}', 0, 0, (64, 64), 'png'))\n"
            "before = hwm()\n"
            f"data = render(RenderJob('{model}', inputs, 1, 0, (4096, 4096), '{fmt}'))\n"
            "print(hwm() - before, len(data) // 1024)\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        kind = "placeholder" if model == "model-create" else "composed"
        print(f"  {kind:<12}{fmt:>5}: +{out[0]} MiB peak RSS, output {out[1]} KiB")


def video(quick: bool) -> None:
    print("\nimage-to-video encode (s), composed from a JPEG start frame")
    photos = _photos()
    cases = [("480p", 5), ("720p", 5), ("1080p", 5)] + ([] if quick else [("1080p", 10)])
    spec = catalog.BY_NAME["image-to-video"]
    for resolution, duration in cases:
        inputs = {"image": photos["person"], "resolution": resolution, "duration": duration}
        size = spec.geometry(inputs, {"image": (864, 1296)})
        job = RenderJob("image-to-video", json.dumps(inputs, sort_keys=True), 1, 0, size, "mp4")
        start = time.perf_counter()
        data = render(job)
        seconds = time.perf_counter() - start
        print(f"  {resolution:>5} {duration:>2} s {size[0]}x{size[1]}: {seconds:5.2f} s, "
              f"{len(data) // 1024} KiB")


def cache() -> None:
    print("\ncache: first GET renders, later GETs return the stored bytes")
    store = MediaStore(8 * 1024 * 1024)
    job = RenderJob("tryon-v1.6", "{}", 1, 0, (864, 1296), "png")
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        store.get(job)
        timings.append((time.perf_counter() - start) * 1000)
    print(f"  miss {timings[0]:.2f} ms, hits {timings[1]:.4f} / {timings[2]:.4f} ms, "
          f"renders={store.renders}")
    for seed in range(2, 400):
        store.get(RenderJob("tryon-v1.6", "{}", seed, 0, (864, 1296), "png"))
    print(f"  after 400 distinct outputs: {len(store)} kept, {store.used_bytes // 1024} KiB "
          f"used of a {store.budget_bytes // 1024} KiB budget")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="skip 4k and 10 s 1080p")
    args = parser.parse_args()
    render(RenderJob("model-create", "{}", 0, 0, (64, 64), "png"))  # load fonts once
    images(args.repeat, args.quick)
    if not args.quick:
        peak_memory()
    video(args.quick)
    cache()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"\nbenchmark process peak RSS: {rss} MiB")


if __name__ == "__main__":
    main()
