"""The floor for ``bench_http.py``: a bare Starlette app answering constant JSON.

It serves the same two routes as the emulator (``POST /v1/run`` reads the body,
``GET /v1/status/{id}`` checks the Authorization header) and runs under the same
``uvicorn.run(...)`` settings as ``fashn-mock serve``, so the difference is the
emulator's own work: auth, validation, the engine, payload building.

    python benchmarks/bare_app.py --port 8001 --log-level warning
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PREDICTION_ID = "eb1167b3-67a9-4378-bc65-c1e582e2e662"
STATUS = {"id": PREDICTION_ID, "status": "completed",
          "output": [f"http://127.0.0.1:8000/cdn/{PREDICTION_ID}/output_0.png"], "error": None}
RUN = {"id": PREDICTION_ID, "error": None}
UNAUTHORIZED = {"error": "Unauthorized", "message": "Unauthorized: missing Authorization header"}


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


app = Starlette(routes=[
    Route("/v1/run", run, methods=["POST"]),
    Route("/v1/status/{id:path}", status, methods=["GET"]),
])


def main(argv: Sequence[str] | None = None) -> int:
    """Serve ``app`` exactly as ``fashn_mock.cli.serve`` serves the emulator."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="info",
                        choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, lifespan="off")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
