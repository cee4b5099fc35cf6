"""The engine: predictions, accounts, limits and time. No HTTP inside."""

from fashn_mock.engine.accounts import Account
from fashn_mock.engine.core import Engine
from fashn_mock.engine.prediction import ANY_KEY, IN_PROGRESS, TERMINAL, Prediction
from fashn_mock.engine.submission import DOCS_EXAMPLE_ID
from fashn_mock.engine.views import PredictionState

StatusView = PredictionState
"""The former name of ``PredictionState``."""

__all__ = ["ANY_KEY", "DOCS_EXAMPLE_ID", "IN_PROGRESS", "TERMINAL", "Account", "Engine",
           "Prediction", "PredictionState", "StatusView"]
