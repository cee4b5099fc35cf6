"""Synthetic output media: rendering, video, input fetching and a bounded cache."""

from fashn_mock.media.fetch import Fetcher, FetchError
from fashn_mock.media.job import RenderJob
from fashn_mock.media.render import render
from fashn_mock.media.store import MediaStore

__all__ = ["FetchError", "Fetcher", "MediaStore", "RenderJob", "render"]
