"""The composition root: the one place that wires settings, databases and services.

The dashboard, every CLI command, the Python API singletons and the test
scenes build their services here (`Services`); the dashboard talks to them
through the seams in `protocols`.
"""

from tui_analytics.wiring.services import Services

__all__ = ["Services"]
