"""Webhook delivery over HTTP (the engine's ``webhooks`` schedules; this sends)."""

from fashn_mock.webhooks.delivery import Deliverer, Render, user_agent
from fashn_mock.webhooks.worker import Answer, Worker

__all__ = ["Answer", "Deliverer", "Render", "Worker", "user_agent"]
