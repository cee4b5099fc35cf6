"""The live dashboard at ``/_mock/ui`` (``fashn_mock.faces.ui.dashboard``).

This package imports nothing on purpose: the control API reads ``session`` from it
without loading the dashboard.
"""
