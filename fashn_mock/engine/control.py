"""Steering and inspection: what the /_mock control API, the Python API and the
pytest fixture do to an engine (balances, faults, chaos, interruptions, listing)."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal

from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.playback import PARKED
from fashn_mock.engine.prediction import ANY_KEY, TERMINAL, Prediction
from fashn_mock.errors import bad_request, not_found

if TYPE_CHECKING:
    from fashn_mock.clock import Clock
    from fashn_mock.config import Config
    from fashn_mock.engine.core import Account
    from fashn_mock.engine.faults import FaultPlan

Interruption = Literal["canceled", "time_out"]


class ControlMixin:
    config: Config
    clock: Clock
    faults: FaultPlan
    predictions: dict[str, Prediction]
    accounts: dict[str, Account]
    _lock: threading.RLock

    def account(self, key: str) -> Account:
        raise NotImplementedError  # provided by Engine

    def _settle(self, account: Account, now: float) -> None:
        raise NotImplementedError

    def _close(self, account: Account, prediction: Prediction) -> None:
        raise NotImplementedError

    # --- balances ------------------------------------------------------------------
    def set_credits(self, key: str, total: int | None = None, *,
                    subscription: int | None = None, on_demand: int | None = None) -> Balance:
        """Set a key's balance; ``total`` alone puts it all in on-demand credits."""
        values = [v for v in (total, subscription, on_demand) if v is not None]
        if not values or any(not isinstance(v, int) or v < 0 for v in values):
            raise bad_request("credits: give total, subscription or on_demand as "
                              "non-negative integers")
        with self._lock:
            account = self.account(key)
            self._settle(account, self.clock.now())
            account.balance.set(total, subscription=subscription, on_demand=on_demand)
            return account.balance

    # --- faults ----------------------------------------------------------------------
    def fail_next(self, error: str, *, model: str | None = None, times: int = 1,
                  key: str | None = None) -> FaultRule:
        """Fail the next ``times`` predictions (of ``model``, of ``key``) with ``error``:
        a runtime name fails the prediction, an HTTP name fails the /v1/run request."""
        with self._lock:
            return self.faults.schedule(FaultRule(error=error, model=model, key=key,
                                                  times=times))

    def set_chaos(self, failure_rate: float | None = None,
                  jitter: float | None = None) -> dict[str, float]:
        with self._lock:
            if failure_rate is not None:
                if not 0 <= failure_rate <= 1:
                    raise bad_request("failure_rate: must be within 0..1")
                self.faults.failure_rate = failure_rate
            if jitter is not None:
                if not 0 <= jitter < 1:
                    raise bad_request("jitter: must be within 0..1 (exclusive)")
                self.faults.jitter = jitter
            return {"failure_rate": self.faults.failure_rate, "jitter": self.faults.jitter}

    # --- predictions -------------------------------------------------------------------
    def interrupt(self, prediction_id: str, outcome: Interruption) -> Prediction:
        """End an unfinished prediction now as ``canceled`` or ``time_out`` (free).
        A terminal prediction is left as it is: terminal states are stable."""
        with self._lock:
            prediction = self._find(prediction_id)
            now = self.clock.now()
            if prediction.status_at(now) in TERMINAL or prediction.key not in self.accounts:
                return prediction
            prediction.queued_at = min(prediction.queued_at, now)
            prediction.processing_at = min(prediction.processing_at, now)
            prediction.finished_at = now
            prediction.outcome, prediction.error = outcome, None
            self._close(self.accounts[prediction.key], prediction)
            return prediction

    def list_predictions(self, *, key: str | None = None, model: str | None = None,
                         status: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            now = self.clock.now()
            found = [self._summary(p, now) for p in self.predictions.values()
                     if p.key != ANY_KEY and (key is None or p.key == key)
                     and (model is None or p.model == model)]
        return [s for s in found if status is None or s["status"] == status]

    def describe(self, prediction_id: str) -> dict[str, Any]:
        """Everything about one prediction, including its full timeline."""
        with self._lock:
            prediction = self._find(prediction_id)
            now = self.clock.now()
            return {**self._summary(prediction, now),
                    "inputs": json.loads(prediction.inputs_json),
                    "timeline": prediction.timeline(),
                    "outputs": prediction.output_names(), "size": list(prediction.size),
                    "seed": prediction.seed, "webhook_url": prediction.webhook_url}

    def last_finish(self, key: str | None = None) -> float | None:
        """When the last unfinished prediction (of ``key``) finishes on the clock, or
        None when none is pending. Poll-driven playback (parked) is not waited for."""
        with self._lock:
            now = self.clock.now()
            pending = [p.finished_at for p in self.predictions.values()
                       if (key is None or p.key == key) and now < p.finished_at < PARKED]
        return max(pending) if pending else None

    def unfinished(self, key: str) -> int:
        with self._lock:
            account = self.account(key)
            self._settle(account, self.clock.now())
            return account.open

    def effective_config(self) -> dict[str, Any]:
        config = asdict(self.config)
        config["rates"] = {route: str(rule) for route, rule in self.config.rates.items()}
        config["api_keys"] = list(self.config.api_keys)
        config["control_token"] = "<set>" if self.config.control_token else None
        config.update(failure_rate=self.faults.failure_rate, jitter=self.faults.jitter,
                      clock={"now": self.clock.now(), "frozen": self.clock.frozen})
        return config

    def _find(self, prediction_id: str) -> Prediction:
        prediction = self.predictions.get(prediction_id)
        if prediction is None:
            raise not_found()
        return prediction

    @staticmethod
    def _summary(prediction: Prediction, now: float) -> dict[str, Any]:
        return {"id": prediction.id, "key": prediction.key, "model": prediction.model,
                "status": prediction.status_at(now), "created_at": prediction.created_at,
                "finished_at": prediction.finished_at, "cost": prediction.cost,
                "error": prediction.error}
