"""fashn-mock: a local, credit-free emulator of the FASHN AI API."""

from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.emulator import Emulator
from fashn_mock.server import BackgroundServer

__all__ = ["BackgroundServer", "Clock", "Config", "Emulator"]
__version__ = "0.1.0"
