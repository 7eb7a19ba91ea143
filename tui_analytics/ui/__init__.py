"""The Textual dashboard (the only package, with cli/dashboard.py, that imports Textual)."""

from tui_analytics.ui.app import DashboardApp, build_app

__all__ = ["DashboardApp", "build_app"]
