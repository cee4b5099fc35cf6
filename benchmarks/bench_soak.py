"""Soak: the hostile inputs of issue 12 among normal traffic, on a real server.

Starts ``python -m fashn_mock serve --time-scale 0.01 --media-cache-mb 64
--input-cache-mb 64 --fetch-inputs --credits 1000000`` (uvicorn, loopback, default
rate limits) and drives it from one asyncio process for ``--duration`` seconds (300):
``--workers`` loops each pick a scenario by weight (``SCENARIOS``), send it and count
the status code. Normal traffic covers all three dialects: native runs (URL inputs
fetched from a local image server, small and large data-URI images), status polls,
credits, CDN GETs (some with a ``Range``), Concurred runs and status, Pixazo submits
and results. Hostile traffic: undeclared fields with odd values, wrong types, deep
nesting, 5,000-digit integers, lone surrogates, 5,000-digit ``Range`` headers, 16 MiB
headers, decompression-bomb PNG/JPEG data URIs, a 20 MB data-URI body, a new API key
per request, NaN/Infinity/1e308 to ``/_mock/clock/advance``, ``PUT`` credits while
runs are in flight, URL inputs served by a trickling server, malformed JSON, and
reads of the journal and the behaviour report. (Malformed cassettes are a CLI matter:
not here.)

A thread samples the server's ``VmRSS`` (``/proc/<pid>/status``) every second. At the
end the clock runs until every prediction is done and the books are checked: for
every key the soak used (a sample of the one-request keys), the balance must be the
starting credits minus the cost of its completed predictions; keys whose credits were
``PUT`` must stay within 0..the value set. Goals: zero 5xx, peak RSS under 400 MB.

``--bodies`` measures something else: peak RSS while 6 clients post 35 MB data-URI
bodies at once (median of ``--rounds``); ``--source DIR`` serves another tree (e.g.
a checkout of an older commit) for a before/after comparison (``--part`` names where
its results go).

    .venv/bin/python benchmarks/bench_soak.py [--duration 300] [--workers 12]
    .venv/bin/python benchmarks/bench_soak.py --bodies [--source DIR]

Results: ``benchmarks/results/soak.json`` (each mode updates its own part).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import platform
import random
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "soak.json"
CREDITS = 1_000_000
GOAL_RSS_MB = 400
MIB = 1024 * 1024
NATIVE, CONCURRED = "/v1", "/api/v1/fashion"
PIXAZO = "/fashn-virtual-try-on/v1/fashn-virtual-try-on-request"


# --- input images and the local image servers ------------------------------------------
def jpeg(size: tuple[int, int], seed: int, *, noise: bool = False, quality: int = 85) -> bytes:
    rng = random.Random(seed)
    if noise:
        picture = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        picture = Image.new("RGB", size, (rng.randrange(256), 190, rng.randrange(256)))
        picture.paste((rng.randrange(256), 40, 40), (size[0] // 4, size[1] // 5,
                                                     size[0] * 3 // 4, size[1] * 4 // 5))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def unique(jpeg_bytes: bytes, n: int) -> bytes:
    """Other file bytes, same picture: a JPEG comment segment after SOI."""
    text = f"soak {n}".encode()
    return jpeg_bytes[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg_bytes[2:]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims ``width`` x ``height``."""
    data = bytearray(jpeg((16, 16), 0))
    at = data.index(b"\xff\xc0") + 5
    data[at:at + 4] = struct.pack(">HH", height, width)
    return bytes(data)


@cache
def large_jpeg() -> bytes:
    """A 2.3 MB photo-sized JPEG (noise compresses badly: a worst case per pixel)."""
    return jpeg((1600, 2400), 1, noise=True, quality=75)


@cache
def huge_jpeg() -> bytes:
    """A 14 MB JPEG: a 20 MB data URI."""
    return jpeg((3000, 4000), 2, noise=True, quality=95)


def uri(data: bytes, kind: str = "jpeg") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


ODD_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("background-remove", {"num_images": -100}), ("tryon-v1.6", {"num_images": 3}),
    ("background-remove", {"num_images": 0}), ("background-remove", {"seed": "x"}),
    ("image-to-video", {"return_base64": True, "num_images": "abc"}),
    ("model-variation", {"resolution": "4k", "num_images": 1e308}),
    ("background-remove", {"\u00e9\u00e8": [None, {"a": -1}], "": 2**70})]


class Images(BaseHTTPRequestHandler):
    """``/img/<n>.jpg`` at once; ``/slow/<n>.jpg`` one byte every 0.5 s; ``/text``."""

    pictures: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        picture = self.pictures[hash(self.path) % len(self.pictures)]
        kind = "text/plain" if self.path.startswith("/text") else "image/jpeg"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(picture)))
        self.end_headers()
        try:
            if self.path.startswith("/slow"):
                for i in range(60):
                    self.wfile.write(picture[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.5)
            else:
                self.wfile.write(picture)
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def image_server() -> Iterator[str]:
    Images.pictures = [jpeg((600, 900), seed) for seed in range(8)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    server.daemon_threads, server.block_on_close = True, False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- the server under test and its memory ---------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def server(flags: list[str], source: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(source), "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-m", "fashn_mock", "serve", "--port",
                                str(port), "--log-level", "warning", *flags],
                               cwd=source, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        with httpx.Client(timeout=1) as client:  # one client: an SSL context each is slow
            while True:
                try:
                    if client.get(url + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"fashn-mock did not start (exit {process.poll()})")
                time.sleep(0.05)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Sampler(threading.Thread):
    """VmRSS of ``pid`` every ``every`` seconds: (seconds since start, MB)."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self.peak = 0.0
        self.stop = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set():
            mb = rss_mb(self.pid)
            self.peak = max(self.peak, mb)
            self.samples.append((round(time.monotonic() - self.started_at, 2), round(mb, 1)))
            self.stop.wait(self.every)


# --- the traffic --------------------------------------------------------------------
@dataclass
class Soak:
    client: httpx.AsyncClient
    images: str
    rng: random.Random
    small: list[str]
    codes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ids: dict[str, deque[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(lambda: deque(maxlen=200)))
    outputs: deque[str] = field(default_factory=lambda: deque(maxlen=300))
    keys: set[str] = field(default_factory=set)
    once_keys: list[str] = field(default_factory=list)
    put_keys: dict[str, int] = field(default_factory=dict)
    counter: int = 0
    gates: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    def key(self) -> str:
        name = f"soak-{self.rng.randrange(48)}"
        self.keys.add(name)
        return name

    async def send(self, scenario: str, method: str, path: str, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.codes[scenario][type(exc).__name__] += 1
            return None
        self.codes[scenario][str(response.status_code)] += 1
        self.latency[scenario].append(time.monotonic() - started)
        return response

    async def run(self, scenario: str, body: Any, *, key: str | None = None,
                  raw: bytes | None = None) -> None:
        key = key or self.key()
        content = raw if raw is not None else json.dumps(body).encode()
        response = await self.send(scenario, "POST", NATIVE + "/run", content=content,
                                   headers={"Authorization": f"Bearer {key}",
                                            "Content-Type": "application/json"})
        if response is not None and response.status_code == 200:
            self.ids["native"].append((key, response.json()["id"]))

    # normal traffic
    def gate(self, name: str, size: int) -> asyncio.Semaphore | None:
        """The gate of a costly scenario, or None when it is full (then the worker does
        something else rather than wait, so the soak ends on time)."""
        gate = self.gates.setdefault(name, asyncio.Semaphore(size))
        return None if gate.locked() else gate

    async def run_urls(self) -> None:
        n = self.rng.randrange(1000)
        await self.run("native run (URL inputs)", {"model_name": "tryon-v1.6", "inputs": {
            "model_image": f"{self.images}/img/{n}.jpg",
            "garment_image": f"{self.images}/img/{n + 1}.jpg",
            "mode": self.rng.choice(["performance", "balanced"]),
            "num_samples": self.rng.choice([1, 1, 2])}})

    async def run_data(self) -> None:
        model = self.rng.choice(["background-remove", "edit", "model-swap"])
        inputs: dict[str, Any] = {"image" if model != "model-swap" else "model_image":
                                  self.rng.choice(self.small)}
        if model == "edit":
            inputs["prompt"] = "make it red"
        await self.run("native run (small data URI)", {"model_name": model, "inputs": inputs})

    async def run_large(self) -> None:
        self.counter += 1
        body = {"model_name": "tryon-v1.6", "inputs": {
            "model_image": uri(unique(large_jpeg(), self.counter)),
            "garment_image": self.rng.choice(self.small)}}
        await self.run("native run (3 MB data URI)", body)

    async def status(self) -> None:
        if not self.ids["native"]:
            return await self.credits()
        key, prediction_id = self.rng.choice(self.ids["native"])
        response = await self.send("native status", "GET", f"{NATIVE}/status/{prediction_id}",
                                   headers={"Authorization": f"Bearer {key}"})
        if response is not None and response.status_code == 200:
            output = response.json().get("output") or []
            self.outputs.extend(o for o in output if isinstance(o, str) and "/cdn/" in o)

    async def credits(self) -> None:
        await self.send("native credits", "GET", NATIVE + "/credits",
                        headers={"Authorization": f"Bearer {self.key()}"})

    async def cdn(self) -> None:
        if not self.outputs:
            return await self.status()
        url = self.rng.choice(self.outputs)
        ranged = {"Range": "bytes=0-1023"} if self.rng.random() < 0.3 else {}
        await self.send("CDN GET", "GET", url, headers=ranged)

    async def concurred_run(self) -> None:
        key = self.key()
        n = self.rng.randrange(1000)
        response = await self.send("concurred run", "POST", CONCURRED + "/run", json={
            "model_name": "tryon-v1.6", "inputs": {
                "model_image": f"{self.images}/img/{n}.jpg",
                "garment_image": self.rng.choice(self.small)}}, headers={"X-API-Key": key})
        if response is not None and response.status_code == 200:
            self.ids["concurred"].append((key, response.json()["data"]["prediction_id"]))

    async def concurred_status(self) -> None:
        if not self.ids["concurred"]:
            return await self.concurred_run()
        key, prediction_id = self.rng.choice(self.ids["concurred"])
        await self.send("concurred status", "GET", f"{CONCURRED}/status/{prediction_id}",
                        headers={"X-API-Key": key})

    async def pixazo_submit(self) -> None:
        key = self.key()
        response = await self.send("pixazo submit", "POST", PIXAZO, json={
            "model_image": self.rng.choice(self.small),
            "garment_image": f"{self.images}/img/{self.rng.randrange(99)}.jpg"},
            headers={"Ocp-Apim-Subscription-Key": key})
        if response is not None and response.status_code == 200:
            self.ids["pixazo"].append((key, response.json()["request_id"]))

    async def pixazo_result(self) -> None:
        if not self.ids["pixazo"]:
            return await self.pixazo_submit()
        key, request_id = self.rng.choice(self.ids["pixazo"])
        await self.send("pixazo result", "POST", PIXAZO + "-result",
                        json={"request_id": request_id},
                        headers={"Ocp-Apim-Subscription-Key": key})

    # hostile traffic
    async def undeclared(self) -> None:
        model, odd = self.rng.choice(ODD_INPUTS)
        image = "model_image" if model.startswith(("tryon", "model-")) else "image"
        inputs = {image: f"{self.images}/img/1.jpg", **odd}
        if model == "tryon-v1.6":
            inputs["garment_image"] = f"{self.images}/img/2.jpg"
        await self.run("hostile: undeclared fields", {"model_name": model, "inputs": inputs})

    async def wrong_types(self) -> None:
        inputs = self.rng.choice([{"model_image": 5, "garment_image": []},
                                  {"model_image": "x", "garment_image": "y", "mode": 7},
                                  {"model_image": None, "category": {"a": 1}}])
        await self.run("hostile: wrong types", {"model_name": "tryon-v1.6", "inputs": inputs})

    async def deep(self) -> None:
        depth = self.rng.choice([40, 500, 1200, 20000])
        raw = (b'{"model_name":"edit","inputs":{"image":"https://x/a.png","prompt":"p","x":'
               + b"[" * depth + b"]" * depth + b"}}")
        await self.run("hostile: deep nesting", None, raw=raw)

    async def huge_int(self) -> None:
        raw = b'{"model_name":"edit","inputs":{"image":"https://x/a.png","seed":' \
            + b"9" * self.rng.choice([4000, 5000, 50000]) + b',"prompt":"p"}}'
        await self.run("hostile: huge integers", None, raw=raw)

    async def surrogates(self) -> None:
        raw = self.rng.choice([b'{"model_name":"edit","inputs":{"\\ud800":1,"image":"a"}}',
                               b'{"model_name":"edit","inputs":{"prompt":"\\udfff","image":"a"}}',
                               b'{"model_name":"\\ud83d","inputs":{}}'])
        await self.run("hostile: lone surrogates", None, raw=raw)

    async def long_range(self) -> None:
        url = self.rng.choice(self.outputs) if self.outputs else "/cdn/x/output_0.png"
        await self.send("hostile: 5,000-digit Range", "GET", url,
                        headers={"Range": "bytes=" + "9" * 5000 + "-" + "9" * 5000})

    async def big_header(self) -> None:
        gate = self.gate("header", 1)
        if gate is None:
            return await self.credits()
        async with gate:
            await self.send("hostile: 16 MiB header", "GET", NATIVE + "/credits",
                            headers={"Authorization": f"Bearer {self.key()}",
                                     "X-Filler": "a" * (16 * MIB)})

    async def bombs(self) -> None:
        picture = self.rng.choice([uri(png_claiming(13_000, 13_000), "png"),
                                   uri(png_claiming(60_000, 60_000), "png"),
                                   uri(jpeg_claiming(65_000, 65_000)),
                                   uri(jpeg_claiming(7_000, 6_000))])
        await self.run("hostile: image bombs", {"model_name": "background-remove",
                                                "inputs": {"image": picture}})

    async def huge_body(self) -> None:
        gate = self.gate("huge", 1)
        if gate is None:
            return await self.credits()
        async with gate:
            self.counter += 1
            body = {"model_name": "background-remove",
                    "inputs": {"image": uri(unique(huge_jpeg(), self.counter))}}
            await self.run("hostile: 20 MB data-URI body", body)

    async def new_key(self) -> None:
        self.counter += 1
        key = f"once-{self.counter}-{self.rng.getrandbits(32):08x}"
        if len(self.once_keys) < 40:
            self.once_keys.append(key)
            return await self.run("hostile: a new key per request", {
                "model_name": "background-remove",
                "inputs": {"image": self.rng.choice(self.small)}}, key=key)
        await self.send("hostile: a new key per request", "GET", NATIVE + "/credits",
                        headers={"Authorization": f"Bearer {key}"})

    async def clock(self) -> None:
        raw = self.rng.choice([b'{"seconds": NaN}', b'{"seconds": Infinity}',
                               b'{"seconds": -Infinity}', b'{"seconds": 1e308}',
                               b'{"seconds": 1e400}', b'{"seconds": -1}', b'{"seconds": "1"}',
                               b'{"seconds": ' + b"9" * 5000 + b"}", b"[]"])
        await self.send("hostile: clock advance", "POST", "/_mock/clock/advance", content=raw,
                        headers={"Content-Type": "application/json"})

    async def put_credits(self) -> None:
        key = f"put-{self.rng.randrange(4)}"
        await self.run("hostile: PUT credits while running", {
            "model_name": "tryon-v1.6", "inputs": {
                "model_image": self.rng.choice(self.small),
                "garment_image": self.rng.choice(self.small), "num_samples": 4}}, key=key)
        total = self.rng.randrange(0, 12)
        self.put_keys[key] = max(self.put_keys.get(key, 0), total)
        await self.send("hostile: PUT credits while running", "PUT",
                        f"/_mock/keys/{key}/credits", json={"total": total})

    async def trickle(self) -> None:
        gate = self.gate("trickle", 2)
        if gate is None:
            return await self.credits()
        async with gate:
            n = self.rng.randrange(1000)
            await self.run("hostile: trickling fetch", {"model_name": "background-remove",
                                                        "inputs": {"image": f"{self.images}"
                                                                   f"/slow/{n}.jpg"}})

    async def malformed(self) -> None:
        raw = self.rng.choice([b"", b"{", b"null", b'{"model_name": "edit", "inputs": 5}',
                               b"\xff\xfe\x00", b'{"model_name":"edit","inputs":{}}' * 3])
        await self.run("hostile: malformed JSON", None, raw=raw)

    async def control_reads(self) -> None:
        path = self.rng.choice(["/_mock/journal?limit=20", "/_mock/behaviour",
                                "/_mock/violations", "/_mock/predictions?status=failed"])
        await self.send("control reads", "GET", path)


SCENARIOS: dict[str, float] = {
    "run_urls": 8, "run_data": 8, "run_large": 1.5, "status": 22, "credits": 5, "cdn": 10,
    "concurred_run": 4, "concurred_status": 8, "pixazo_submit": 3, "pixazo_result": 6,
    "undeclared": 2, "wrong_types": 1, "deep": 1, "huge_int": 1, "surrogates": 1,
    "long_range": 1, "big_header": 0.3, "bombs": 1, "huge_body": 0.2, "new_key": 2,
    "clock": 1, "put_credits": 1, "trickle": 0.5, "malformed": 1, "control_reads": 0.5,
}


async def drive(soak: Soak, duration: float, workers: int, without: set[str]) -> None:
    names = [name for name in SCENARIOS if name not in without]
    weights = [SCENARIOS[name] for name in names]
    deadline = time.monotonic() + duration

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            action: Callable[[], Awaitable[None]] = getattr(
                soak, rng.choices(names, weights)[0])
            await action()

    await asyncio.gather(*(worker(i) for i in range(workers)))


# --- the books -----------------------------------------------------------------------
async def books(soak: Soak) -> dict[str, Any]:
    """Every used key's balance against its completed predictions' costs."""
    await soak.client.post("/_mock/clock/run-until-done", json={})
    keys = sorted(soak.keys) + soak.once_keys
    mismatches: list[dict[str, Any]] = []
    predictions = completed = 0
    for key in keys + sorted(soak.put_keys):
        listed = (await soak.client.get("/_mock/predictions", params={"key": key})).json()
        balance = (await soak.client.get(f"/_mock/keys/{key}/credits")).json()["credits"]
        found = listed["predictions"]
        done = [p for p in found if p["status"] == "completed"]
        predictions, completed = predictions + len(found), completed + len(done)
        unfinished = [p["id"] for p in found if p["status"] in ("starting", "in_queue",
                                                                  "processing")]
        if key in soak.put_keys:
            ok = 0 <= balance["total"] <= soak.put_keys[key] and not unfinished
        else:
            ok = balance["total"] == CREDITS - sum(p["cost"] for p in done) and not unfinished
        if not ok:
            mismatches.append({"key": key, "balance": balance, "completed": len(done),
                               "cost": sum(p["cost"] for p in done), "unfinished": unfinished})
    return {"keys_checked": len(keys) + len(soak.put_keys), "predictions": predictions,
            "completed": completed, "mismatches": mismatches[:20], "ok": not mismatches}


# --- the modes -----------------------------------------------------------------------
def soak_mode(args: argparse.Namespace) -> dict[str, Any]:
    flags = ["--time-scale", str(args.time_scale), "--media-cache-mb", str(args.media_cache_mb),
             "--input-cache-mb", str(args.input_cache_mb), "--fetch-inputs",
             "--credits", str(CREDITS)]
    rng = random.Random(args.seed)
    small = [uri(jpeg((300, 450), seed)) for seed in range(12)]
    without = set(filter(None, args.without.split(",")))
    if without - set(SCENARIOS):
        raise SystemExit(f"--without: unknown {sorted(without - set(SCENARIOS))}; "
                         f"known: {', '.join(SCENARIOS)}")
    with image_server() as images, server(flags, args.source) as (url, process):
        idle = rss_mb(process.pid)
        sampler = Sampler(process.pid, args.rss_every)
        sampler.start()

        async def main() -> tuple[Soak, dict[str, Any], float]:
            limits = httpx.Limits(max_connections=args.workers + 8)
            async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
                soak = Soak(client, images, rng, small)
                started = time.monotonic()
                await drive(soak, args.duration, args.workers, without)
                elapsed = time.monotonic() - started
                return soak, await books(soak), elapsed

        soak, checked, elapsed = asyncio.run(main())
        sampler.stop.set()
        sampler.join()
        end = rss_mb(process.pid)
    total = Counter[str]()
    for counts in soak.codes.values():
        total.update(counts)
    five_xx = sum(n for code, n in total.items() if code.startswith("5"))
    errors = sum(n for code, n in total.items() if not code.isdigit())
    requests = sum(total.values())
    return {
        "settings": {"server": "python -m fashn_mock serve " + " ".join(flags),
                     "source": revision(args.source),
                     "duration_s": args.duration, "workers": args.workers, "seed": args.seed,
                     "weights": {k: v for k, v in SCENARIOS.items() if k not in without}},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "note": "2 shared cores: other sessions ran tests alongside"},
        "requests": requests, "elapsed_s": round(elapsed, 1),
        "requests_per_s": round(requests / elapsed, 1),
        "status_counts": dict(sorted(total.items())), "five_xx": five_xx,
        "transport_errors": errors,
        "by_scenario": {name: {"count": sum(codes.values()), "codes": dict(sorted(codes.items())),
                               "p50_ms": _ms(soak.latency[name], 0.5),
                               "p99_ms": _ms(soak.latency[name], 0.99),
                               "max_ms": _ms(soak.latency[name], 1.0)}
                        for name, codes in sorted(soak.codes.items())},
        "rss_mb": {"idle": round(idle, 1), "peak": round(sampler.peak, 1),
                   "end": round(end, 1), "series": sampler.samples},
        "books": checked,
        "goals": {"peak_rss_mb_under": GOAL_RSS_MB, "five_xx": 0,
                  "met": sampler.peak < GOAL_RSS_MB and five_xx == 0 and checked["ok"]},
    }


def bodies_mode(args: argparse.Namespace) -> dict[str, Any]:
    """Peak RSS while ``--clients`` post one 35 MB data-URI body each, at once."""
    picture = Image.frombytes("RGB", (3000, 3000), random.Random(7).randbytes(27_000_000))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", compress_level=1)
    body = json.dumps({"model_name": "background-remove",
                       "inputs": {"image": uri(buffer.getvalue(), "png")}}).encode()
    rounds: list[dict[str, float]] = []
    flags = ["--time-scale", "0.01", "--no-limits", "--media-cache-mb", "64"]
    for _ in range(args.rounds):
        with server(flags, args.source) as (url, process):
            idle = rss_mb(process.pid)
            sampler = Sampler(process.pid, 0.02)
            sampler.start()
            statuses: list[int] = []
            started = time.monotonic()
            threads = [threading.Thread(target=_post, args=(url, body, f"k{i}", statuses))
                       for i in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            time.sleep(1)
            sampler.stop.set()
            sampler.join()
            rounds.append({"idle_mb": round(idle, 1), "peak_mb": round(sampler.peak, 1),
                           "after_mb": round(rss_mb(process.pid), 1),
                           "seconds": round(elapsed, 1), "ok": statuses.count(200)})
    return {"clients": args.clients, "body_mb": round(len(body) / 1e6, 1),
            "source": revision(args.source), "rounds": rounds,
            "median_peak_mb": statistics.median(r["peak_mb"] for r in rounds),
            "median_after_mb": statistics.median(r["after_mb"] for r in rounds)}


def revision(source: Path) -> str:
    """The commit the served tree is at (``+`` when it has uncommitted changes)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(source), *args], capture_output=True,
                              text=True).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + ("+" if git("status", "--porcelain") else "")


def _post(url: str, body: bytes, key: str, statuses: list[int]) -> None:
    response = httpx.post(url + NATIVE + "/run", content=body, timeout=300,
                          headers={"Authorization": f"Bearer {key}",
                                   "Content-Type": "application/json"})
    statuses.append(response.status_code)


def _ms(values: list[float], quantile: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))], 1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--media-cache-mb", type=int, default=64)
    parser.add_argument("--input-cache-mb", type=int, default=64)
    parser.add_argument("--rss-every", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--without", default="", metavar="NAMES",
                        help="scenarios to leave out, comma-separated (SCENARIOS' names)")
    parser.add_argument("--bodies", action="store_true", help="the 35 MB bodies measurement")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", type=Path, default=REPO)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--part", help="the results' key (default: soak or bodies)")
    args = parser.parse_args(argv)
    part = args.part or ("bodies" if args.bodies else "soak")
    result = bodies_mode(args) if args.bodies else soak_mode(args)
    previous = json.loads(args.output.read_text()) if args.output.exists() else {}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({**previous, part: result}, indent=1) + "\n")
    summary = {k: v for k, v in result.items() if k not in ("by_scenario", "rss_mb", "rounds")}
    print(json.dumps(summary, indent=1))
    if not args.bodies:
        print(json.dumps(result["rss_mb"] | {"series": len(result["rss_mb"]["series"])}))
        for name, row in result["by_scenario"].items():
            print(f"{name:38} {row['count']:7} {row['codes']} p99 {row['p99_ms']} ms, "
                  f"max {row['max_ms']} ms")
    return result


if __name__ == "__main__":
    main()
