"""How a new prediction is made: its id, its fate and its timeline on the clock.

Everything random about a prediction comes from ``Draws(seed, sequence)``
(``engine.draws``): the same requests and seed give the same ids, durations and
failures, and processes sharing a store (hence its sequence) never repeat one.
Without a seed (``Config.seed`` None) durations use a random one and ids come from
the operating system, so they cannot be predicted from ids seen before.
"""

from __future__ import annotations

import os
import secrets
from typing import Any, Literal, Protocol

from fashn_mock.catalog import RUNTIME_ERRORS, ModelSpec
from fashn_mock.config import Config
from fashn_mock.engine import faults
from fashn_mock.engine.draws import Draws
from fashn_mock.engine.inputs import LoadedImages, stored_inputs
from fashn_mock.engine.playback import Playback
from fashn_mock.engine.prediction import ANY_KEY, Prediction, schedule
from fashn_mock.validation import RunRequest

VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
"""UUID version 4 and RFC 4122 variant bits."""
DOCS_EXAMPLE_ID = "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1"
"""The id in the docs' curl examples: a completed try-on visible to every key."""

Interruption = Literal["canceled", "time_out"]


class Chaos(Protocol):
    """The chaos rates of a fault plan (``store.base.Faults``)."""

    @property
    def failure_rate(self) -> float:
        ...

    @property
    def jitter(self) -> float:
        ...


class Submission:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.seed = 0
        self.reseed()

    def reseed(self) -> None:
        """Back to the configured seed (or a fresh random one)."""
        self.seed = self.config.seed if self.config.seed is not None \
            else secrets.randbits(32)

    def create(self, key: str, run: RunRequest, now: float, *, sequence: int, cost: int,
               requested: str | None, loaded: LoadedImages, plan: Chaos, dialect: str,
               price_usd: float, webhook_url: str | None) -> Prediction:
        """A new prediction (the ``sequence``-th), its outcome decided now and its
        phases on the clock."""
        spec = run.spec
        draws = Draws(self.seed, sequence)
        prediction_id = self.new_id(draws)
        failure = self._failure(run, requested, loaded, plan, draws)
        low, high = spec.seconds(run.inputs)
        factor = faults.jitter_factor(plan.jitter, draws)
        queued_at, processing_at, finished_at = schedule(
            now, (low * factor, high * factor), draws, self.config.time_scale,
            RUNTIME_ERRORS.get(failure[0]) if failure else None)
        outputs, seed = output_count(spec, run.inputs), _seed(run.inputs)
        dice = loaded.dice
        return Prediction(
            id=prediction_id, key=key, model=spec.name,
            inputs_source=loaded.stored_inputs or run.stored_inputs(),
            created_at=now, queued_at=queued_at, processing_at=processing_at,
            finished_at=finished_at, outcome="failed" if failure else "completed",
            error={"name": failure[0], "message": failure[1]} if failure else None,
            cost=cost, outputs=outputs, output_format=spec.output_format(run.inputs),
            size=spec.geometry(run.inputs, loaded.sizes), seed=seed,
            return_base64=_base64(spec, run.inputs), webhook_url=webhook_url,
            dialect=dialect, price_usd=price_usd,
            dice=tuple(dice.dice(seed, i) for i in range(outputs)) if dice else ())

    def replay(self, key: str, run: RunRequest, now: float, playback: Playback, *,
               sequence: int, cost: int, webhook_url: str | None) -> Prediction:
        """A prediction whose phases, outcome and outputs come from a recording."""
        spec = run.spec
        queued_at, processing_at, finished_at = playback.schedule(now, self.config.time_scale)
        return Prediction(
            id=self.new_id(Draws(self.seed, sequence)), key=key, model=spec.name,
            inputs_source=stored_inputs(run),
            created_at=now, queued_at=queued_at, processing_at=processing_at,
            finished_at=finished_at, outcome=playback.outcome, error=playback.error,
            cost=cost, outputs=playback.outputs, output_format=spec.output_format(run.inputs),
            size=spec.geometry(run.inputs, {}), seed=_seed(run.inputs),
            return_base64=_base64(spec, run.inputs), webhook_url=webhook_url,
            playback=playback)

    @staticmethod
    def interrupt(prediction: Prediction, outcome: Interruption, now: float) -> None:
        """Make an unfinished prediction end now, with ``outcome`` and no error."""
        prediction.queued_at = min(prediction.queued_at, now)
        prediction.processing_at = min(prediction.processing_at, now)
        prediction.finished_at = now
        prediction.outcome, prediction.error = outcome, None

    def new_id(self, draws: Draws) -> str:
        """A UUIDv4 string (seeded: from ``draws``; else from the OS), formatted as
        ``str(uuid.UUID(int=..., version=4))`` would (without building the UUID
        object: this is on the hot path)."""
        drawn = draws.getrandbits(128) if self.config.seed is not None \
            else int.from_bytes(os.urandom(16))
        bits = drawn & VERSION_MASK | VERSION_4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    @staticmethod
    def _failure(run: RunRequest, requested: str | None, loaded: LoadedImages,
                 plan: Chaos, draws: Draws) -> tuple[str, str] | None:
        if requested is not None:
            return requested, RUNTIME_ERRORS[requested].message
        if loaded.error:
            return "ImageLoadError", loaded.error
        for check in run.spec.checks:
            message = check(run.inputs, loaded.sizes)
            if message:
                return "InputValidationError", message
        chaos = faults.chaos(plan.failure_rate, run.spec, draws)
        return (chaos, RUNTIME_ERRORS[chaos].message) if chaos else None


def output_count(spec: ModelSpec, inputs: dict[str, Any]) -> int:
    """Outputs a prediction makes: one video, else the declared count field."""
    if spec.output_kind == "video":
        return 1
    for name in ("num_images", "num_samples"):
        if name in spec.properties:
            return int(inputs.get(name, 1))
    return 1


def _seed(inputs: dict[str, Any]) -> int:
    return int(inputs.get("seed", 42))


def _base64(spec: ModelSpec, inputs: dict[str, Any]) -> bool:
    return "return_base64" in spec.properties and inputs.get("return_base64") is True


def docs_example(now: float) -> Prediction:
    """The completed try-on behind ``DOCS_EXAMPLE_ID``, finished 2 s before ``now``."""
    at = now - 10.0
    return Prediction(
        id=DOCS_EXAMPLE_ID, key=ANY_KEY, model="tryon-v1.6",
        inputs_source='{"model_image":"docs-example","garment_image":"docs-example"}',
        created_at=at, queued_at=at + 0.4, processing_at=at + 1.2, finished_at=at + 8.0,
        outcome="completed", error=None, cost=1, outputs=1, output_format="png",
        size=(864, 1296), seed=42, settled=True)
