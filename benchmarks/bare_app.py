"""Reference apps for ``bench_http.py``, on the same uvicorn settings as ``fashn-mock
serve``: what the stack itself costs, without the emulator's work.

- ``bare`` (default): constant JSON on the emulator's two routes; ``POST /v1/run``
  reads the body, both routes check the Authorization header and encode their JSON
  answer per request.
- ``floor`` (``--floor``): pre-encoded constant bytes; no auth check, no JSON
  encoding, no state: the limit for any emulator on this stack. ``POST /v1/run``
  still reads the body (any emulator has to).

With ``--one-write`` either runs on ``fashn-mock serve``'s HTTP protocol
(``fashn_mock.onewrite``: a response's head and body in one send) instead of uvicorn's.

    python benchmarks/bare_app.py --port 8001 --log-level warning [--floor] [--one-write]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PREDICTION_ID = "eb1167b3-67a9-4378-bc65-c1e582e2e662"
STATUS = {"id": PREDICTION_ID, "status": "completed",
          "output": [f"http://127.0.0.1:8000/cdn/{PREDICTION_ID}/output_0.png"], "error": None}
RUN = {"id": PREDICTION_ID, "error": None}
UNAUTHORIZED = {"error": "Unauthorized", "message": "Unauthorized: missing Authorization header"}
STATUS_BYTES = JSONResponse(STATUS).body
RUN_BYTES = JSONResponse(RUN).body


def _authorized(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("Bearer ")


async def run(request: Request) -> Response:
    """Read the body as the emulator does, then answer a constant accepted-prediction."""
    await request.body()
    if not _authorized(request):
        return JSONResponse(UNAUTHORIZED, status_code=401)
    return JSONResponse(RUN)


async def status(request: Request) -> Response:
    """A constant completed status, the size of the emulator's own answer."""
    if not _authorized(request):
        return JSONResponse(UNAUTHORIZED, status_code=401)
    return JSONResponse(STATUS, headers={"x-fashn-credits-used": "1"})


async def floor_run(request: Request) -> Response:
    """The body is read (as any emulator must), the answer is constant bytes."""
    await request.body()
    return Response(RUN_BYTES, media_type="application/json")


async def floor_status(request: Request) -> Response:
    return Response(STATUS_BYTES, media_type="application/json")


app = Starlette(routes=[
    Route("/v1/run", run, methods=["POST"]),
    Route("/v1/status/{id:path}", status, methods=["GET"]),
])
floor = Starlette(routes=[
    Route("/v1/run", floor_run, methods=["POST"]),
    Route("/v1/status/{id:path}", floor_status, methods=["GET"]),
])


def main(argv: Sequence[str] | None = None) -> int:
    """Serve ``app`` (or ``floor``) exactly as ``fashn_mock.cli.serve`` serves the emulator."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="info",
                        choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--floor", action="store_true",
                        help="serve the constant-bytes floor instead of the JSON + auth app")
    parser.add_argument("--one-write", action="store_true",
                        help="on serve's HTTP protocol (fashn_mock.onewrite: a response's "
                             "head and body in one send) instead of uvicorn's own")
    args = parser.parse_args(argv)
    http: Any = "auto"
    if args.one_write:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from fashn_mock.onewrite import HttpProtocol
        http = HttpProtocol
    uvicorn.run(floor if args.floor else app, host=args.host, port=args.port,
                log_level=args.log_level, lifespan="off", http=http)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
