"""The Textual dashboard (the only package, with cli/dashboard.py, that imports Textual)."""

from typing import TYPE_CHECKING

from tui_analytics.ui.app import DashboardApp, build_app

if TYPE_CHECKING:
    from tui_analytics.ui.host import DashboardHost

    # The main screen sees the app as a DashboardHost (ui/host.py): the type checker holds the app to it.
    _host: type[DashboardHost] = DashboardApp

__all__ = ["DashboardApp", "build_app"]
