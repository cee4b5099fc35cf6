"""Declarative facts about every FASHN model (inputs, credits, timings, geometry)."""

from fashn_mock.catalog.models import BY_NAME, LEGACY_BODY_MODEL, MODELS, get
from fashn_mock.catalog.runtime_errors import RUNTIME_ERRORS, RuntimeErrorSpec
from fashn_mock.catalog.spec import ModelSpec

__all__ = [
    "BY_NAME", "LEGACY_BODY_MODEL", "MODELS", "RUNTIME_ERRORS", "ModelSpec",
    "RuntimeErrorSpec", "get",
]
