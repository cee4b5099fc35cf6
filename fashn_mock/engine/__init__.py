"""The engine: predictions, accounts, limits and time. No HTTP inside."""

from fashn_mock.engine.core import DOCS_EXAMPLE_ID, Account, Engine, StatusView
from fashn_mock.engine.prediction import ANY_KEY, IN_PROGRESS, TERMINAL, Prediction

__all__ = ["ANY_KEY", "DOCS_EXAMPLE_ID", "IN_PROGRESS", "TERMINAL", "Account", "Engine",
           "Prediction", "StatusView"]
