"""The dashboard app as its main screen and the screen's actions see it (a type only).

ui/app.py builds the main screen (ui/screen.py) with its action mixins (ui/actions.py,
ui/control_actions.py); they use the app through `DashboardHost` rather than importing
it, so the imports go one way: app -> screen -> actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from textual.app import App

    from tui_analytics.ui.access import Access
    from tui_analytics.ui.dashboard_services import DashboardServices
    from tui_analytics.ui.dashboard_state import DashboardState


class DashboardHost(Protocol):
    """What the screen uses of the app beyond Textual's App."""

    services: DashboardServices
    state: DashboardState  # read by the header and the panes; changed only by the app's message handlers
    keymap: dict[str, str]  # binding id -> keys, from the configuration's [keys]
    quitting: bool
    access: Access  # what this dashboard may change (ui/access.py: read-only mode, a web viewer)

    def refresh_panes(self, *names: str) -> None: ...

    def in_flight(self) -> list[str]: ...


if TYPE_CHECKING:

    class HostApp(App[None], DashboardHost):
        """A Textual app that is a DashboardHost: the type of the screen's `self.app`."""
