"""Synthetic output media: rendering and a bounded cache."""

from fashn_mock.media.render import RenderJob, render
from fashn_mock.media.store import MediaStore

__all__ = ["MediaStore", "RenderJob", "render"]
