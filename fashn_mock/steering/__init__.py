"""The steering vocabulary: one set of operations to steer and inspect the emulator,
the same from Python (``Emulator``, the pytest handle ``FashnMock``), over HTTP
(``/_mock``) and from the command line (``fashn-mock ctl``).

``operations.OPERATIONS`` declares them; ``Steering`` implements them in Python;
``results`` holds what they answer.
"""

from fashn_mock.engine.views import Mark, PredictionDetails, PredictionSummary
from fashn_mock.steering.operations import BY_NAME, OPERATIONS, Operation, Param
from fashn_mock.steering.results import (
    ChaosSettings,
    ClockState,
    Credits,
    EffectiveConfig,
    NetworkFaults,
    ReplayReport,
    RequestLog,
    RequestViolation,
    Violations,
    WebhookAttempts,
)
from fashn_mock.steering.view import IN_PROCESS_URL, Steering

__all__ = [
    "BY_NAME",
    "IN_PROCESS_URL",
    "OPERATIONS",
    "ChaosSettings",
    "ClockState",
    "Credits",
    "EffectiveConfig",
    "Mark",
    "NetworkFaults",
    "Operation",
    "Param",
    "PredictionDetails",
    "PredictionSummary",
    "ReplayReport",
    "RequestLog",
    "RequestViolation",
    "Steering",
    "Violations",
    "WebhookAttempts",
]
