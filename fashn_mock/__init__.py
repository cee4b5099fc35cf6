"""fashn-mock: a local, credit-free emulator of the FASHN AI API.

``Emulator`` runs one; ``FashnMock`` is the pytest fixture's handle (the same
steering operations, scoped to the test's key); ``Steering`` is what both share
(``fashn_mock.steering``: the operations and the records they answer).
"""

from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.emulator import Emulator
from fashn_mock.server import BackgroundServer
from fashn_mock.steering import Steering
from fashn_mock.testing import FashnMock

__all__ = ["BackgroundServer", "Clock", "Config", "Emulator", "FashnMock", "Steering"]
__version__ = "0.1.0"
