"""Credit safety: what a request could cost, and a budget it may never exceed.

Costs come from the catalog's credit rules. Against a real API every request that
could create a prediction first reserves its worst-case cost; a rejected request
gives the reservation back. ``make_free`` rewrites image inputs so that a request
the API wrongly accepts fails at load time with ``ImageLoadError``, which the
docs say is never charged.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fashn_mock import catalog
from fashn_mock.catalog import ModelSpec

UNLOADABLE_IMAGE = "fashn-mock-contract-unloadable-image"
"""Not a URL, data URI or saved: name: the API fails it with ImageLoadError."""
LOADABLE_PREFIXES = ("http://", "https://", "data:", "saved:")
PRICING_FIELDS = ("generation_mode", "resolution", "duration", "num_images", "num_samples",
                  "mode")


@dataclass(frozen=True, eq=False)
class Pricing:
    """What a dialect's run bodies cost: its models (``models`` by ``model_name``, or
    ``flat`` for a body that is the inputs itself) and their price rule (the
    catalog's credits unless ``price`` is given)."""

    models: Mapping[str, ModelSpec]
    flat: ModelSpec | None = None
    price: Callable[[ModelSpec, dict[str, Any]], int] | None = None
    _highest: dict[str, int] = field(default_factory=dict, repr=False)

    def spec_and_inputs(self, body: Any) -> tuple[ModelSpec, dict[str, Any]] | None:
        """The model a run body asks for and its inputs object, or None when the body
        cannot start a prediction at all (not an object, unknown model, no inputs)."""
        if not isinstance(body, dict):
            return None
        if "model_name" not in body and "inputs" not in body:
            return (self.flat, body) if self.flat is not None else None
        name = body.get("model_name")
        spec = self.models.get(name) if isinstance(name, str) else None
        inputs = body.get("inputs")
        if spec is None or not isinstance(inputs, dict):
            return None
        return spec, inputs

    def charge(self, spec: ModelSpec, inputs: dict[str, Any]) -> int:
        return self.price(spec, inputs) if self.price else spec.credits(inputs)

    def cost(self, body: Any) -> int | None:
        """The price of a valid run body (None when it has no price)."""
        found = self.spec_and_inputs(body)
        if found is None:
            return None
        spec, inputs = found
        try:
            return self.charge(spec, {**spec.defaults(), **inputs})
        except (KeyError, TypeError, ValueError):
            return None

    def max_cost(self, spec: ModelSpec) -> int:
        """The most one prediction of this model can cost, over every priced option."""
        if spec.name not in self._highest:
            self._highest[spec.name] = self._max_cost(spec)
        return self._highest[spec.name]

    def _max_cost(self, spec: ModelSpec) -> int:
        options: list[list[tuple[str, Any]]] = []
        for field_name in PRICING_FIELDS:
            schema = spec.properties.get(field_name)
            if schema is None:
                continue
            values = schema.get("enum") or [schema.get("maximum", schema.get("default"))]
            options.append([(field_name, value) for value in values if value is not None])
        extra = {"face_reference": UNLOADABLE_IMAGE} if "face_reference" in spec.properties \
            else {}
        highest = 0
        for combination in itertools.product(*options):
            inputs = {**spec.defaults(), **dict(combination), **extra}
            try:
                highest = max(highest, self.charge(spec, inputs))
            except (KeyError, TypeError, ValueError):
                continue
        return highest

    def make_free(self, body: Any) -> Any:
        """A copy whose image inputs cannot load, so an accepted prediction fails for free.

        Only loadable-looking strings are replaced (an invalid value stays invalid);
        when no image input is present, the first optional one is added.
        """
        found = self.spec_and_inputs(body)
        if found is None:
            return body
        spec, _ = found
        body = copy.deepcopy(body)
        inputs = body if "inputs" not in body and "model_name" not in body else body["inputs"]
        present = [name for name in spec.image_inputs if name in inputs]
        for name in present:
            value = inputs[name]
            if isinstance(value, str) and value.startswith(LOADABLE_PREFIXES):
                inputs[name] = UNLOADABLE_IMAGE
        if not present:
            optional = [n for n in spec.image_inputs if n not in spec.required]
            if optional:
                inputs[optional[0]] = UNLOADABLE_IMAGE
        return body

    def worst_case(self, body: Any) -> int:
        """What a run body could cost if the API accepted it: 0 when it cannot start a
        prediction or carries an unloadable image input, else its price."""
        found = self.spec_and_inputs(body)
        if found is None:
            return 0
        spec, inputs = found
        if any(isinstance(inputs.get(n), str) and not inputs[n].startswith(LOADABLE_PREFIXES)
               for n in spec.image_inputs):
            return 0
        priced = self.cost(body)
        return self.max_cost(spec) if priced is None else priced


NATIVE = Pricing(catalog.BY_NAME, flat=catalog.BY_NAME[catalog.LEGACY_BODY_MODEL])
"""The native API's prices: the catalog's credits; a flat body is the legacy try-on."""


def spec_and_inputs(body: Any) -> tuple[ModelSpec, dict[str, Any]] | None:
    """The native model a run body asks for and its inputs (``Pricing.spec_and_inputs``)."""
    return NATIVE.spec_and_inputs(body)


def cost(body: Any) -> int | None:
    """The catalog price of a valid native run body (None when it has no price)."""
    return NATIVE.cost(body)


def max_cost(name: str) -> int:
    """The most one prediction of this native model can cost."""
    return NATIVE.max_cost(catalog.BY_NAME[name])


def make_free(body: Any) -> Any:
    """``Pricing.make_free`` for a native run body."""
    return NATIVE.make_free(body)


def worst_case(body: Any) -> int:
    """``Pricing.worst_case`` for a native run body."""
    return NATIVE.worst_case(body)


@dataclass
class Budget:
    """Credits the suites may spend; ``limit=None`` means unlimited (an emulator)."""

    limit: int | None
    reserved: int = 0
    skipped: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.reserved

    def reserve(self, credits: int) -> bool:
        """Hold ``credits``; False (and nothing held) when that would exceed the limit."""
        with self._lock:
            if self.limit is not None and self.reserved + credits > self.limit:
                self.skipped += 1
                return False
            self.reserved += credits
            return True

    def release(self, credits: int) -> None:
        """Give back a reservation whose request created no prediction."""
        with self._lock:
            self.reserved -= credits
