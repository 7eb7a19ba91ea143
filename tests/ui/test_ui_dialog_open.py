"""What opening a dialog costs the loop: the collector held meanwhile, the dashboard behind the
dialog not laid out again, and widgets styled once, when mounted."""

from __future__ import annotations

import gc
from typing import Any

from textual.dom import DOMNode
from textual.geometry import Size
from textual.timer import Timer, TimerCallback
from textual.widgets import Button

import tui_analytics.ui.app as app_module
from tests.support.sample import app_for
from tests.support.ui import settle, until
from tui_analytics.ui import build_app
from tui_analytics.ui.screens import HelpScreen

WIDE = (160, 50)


async def test_a_dashboard_with_its_own_services_holds_the_collector_while_a_dialog_opens(
    settings, frozen_clock, monkeypatch
) -> None:
    was_enabled = gc.isenabled()
    app = build_app(settings, clock=frozen_clock, start_scheduler=False)
    releases: list[object] = []  # the hold's timer, run by the test rather than waited for
    real_set_timer = app.set_timer

    def set_timer(delay: float, callback: TimerCallback | None, *args: Any, **kwargs: Any) -> Timer | None:
        if callback == app._collector.release:
            assert delay == app_module.DIALOG_HOLD_S
            releases.append(callback)
            return None
        return real_set_timer(delay, callback, *args, **kwargs)

    monkeypatch.setattr(app, "set_timer", set_timer)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await until(pilot, lambda: app.services.ready)
            await settle(pilot)
            assert not app._collector.holding
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert app._collector.holding and not gc.isenabled()
            assert len(releases) == 1
            releases.pop()()  # the timer's time: it lets go
            assert not app._collector.holding and gc.isenabled() == was_enabled
            await pilot.press("escape")
            await pilot.press("question_mark")  # quitting while it is held lets it go too
            assert app._collector.holding
        assert not app._collector.holding and gc.isenabled() == was_enabled
    finally:
        (gc.enable if was_enabled else gc.disable)()
        gc.unfreeze()  # the app froze what it loaded; this test process goes on


async def test_an_app_over_services_built_elsewhere_leaves_the_collector_alone(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert not app._collector.holding


async def test_a_dialog_opening_does_not_lay_out_the_dashboard_behind_it_for_its_size(services, monkeypatch) -> None:
    """A new dialog gets a Resize at the size it was just laid out at: passed on, Textual laid out
    the dialog and the whole dashboard behind it again. A real change of size still does both."""
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        main = app.screen
        resized: list[object] = []
        real = main._screen_resized

        def screen_resized(size: Size) -> None:
            resized.append(size)
            real(size)

        monkeypatch.setattr(main, "_screen_resized", screen_resized)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await settle(pilot)
        assert resized == []
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert (120, 40) in resized
        assert app.screen.size == (120, 40) and main.size == (120, 40)


async def test_a_widget_is_styled_when_mounted_not_while_it_is_built(services, monkeypatch) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        styled: list[object] = []
        real = app.stylesheet.apply

        def apply(node: DOMNode, **kw: Any) -> None:
            styled.append(node)
            real(node, **kw)

        monkeypatch.setattr(app.stylesheet, "apply", apply)
        button = Button("Save", compact=True)  # its constructor sets a class
        assert not any(node is button for node in styled)
        await app.screen.mount(button)
        await pilot.pause()
        assert any(node is button for node in styled)
        assert button.has_class("-textual-compact") and button.outer_size.height == 1  # styled compact
