"""Text from the data reaches the screen as text: never as Rich markup, never as terminal commands.

The sample source gets item and user names full of escape sequences and markup; the
dashboard must start, show them literally (control characters as visible escapes) and
draw no control character at all. The same in a real terminal: test_ui_tmux.py.
"""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import DataTable

from tests.support.sample import app_for, ensure_sample_source, sample_services
from tests.support.ui import cell, notes, settle, static_text
from tui_analytics.config.settings import Settings

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)

# What an attacker (or a careless import) puts in names; each one broke the dashboard or the terminal.
HOSTILE_ITEMS = [
    "Poster [/x] edition",  # MarkupError at every start
    "[link=https://evil.example]click[/link]",
    "\x1b]2;PWNED\x07Title",  # sets the terminal's title
    "\x1b[2JWipe",  # erases the screen
    "\x1b]52;c;cHduZWQ=\x07Clip",  # writes the clipboard
    "Rev\u202eersed",  # bidi override
]
HOSTILE_USERS = ["[@click=app.quit]bye", "\x1b[31mred\x9b"]


def hostile_source(settings: Settings) -> None:
    """The sample source with the most popular items and the most recent users renamed."""
    path = ensure_sample_source(settings.data_dir)
    with sqlite3.connect(path) as conn:
        top = [
            row[0]
            for row in conn.execute(
                "SELECT item_id FROM activities GROUP BY item_id ORDER BY count(*) DESC LIMIT ?", (len(HOSTILE_ITEMS),)
            )
        ]
        for item_id, name in zip(top, HOSTILE_ITEMS):
            conn.execute("UPDATE items SET name = ? WHERE id = ?", (name, item_id))
        recent = [row[0] for row in conn.execute("SELECT user_id FROM activities ORDER BY created_at DESC LIMIT 40")]
        for user_id, name in zip(dict.fromkeys(recent), HOSTILE_USERS):
            conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))


def test_printable_escapes_every_control_and_bidi_character() -> None:
    from tui_analytics.runtime.printable import printable

    assert printable("a\x1b]2;x\x07b") == "a\\x1b]2;x\\x07b"
    assert printable("\x00\x7f\x85\x9b\u202a\u202e\u2066\u2069") == "\\x00\\x7f\\x85\\x9b\\u202a\\u202e\\u2066\\u2069"
    assert printable("one\ntwo\ttab") == "one\\x0atwo\\x09tab"
    assert printable("one\ntwo", newlines=True) == "one\ntwo"
    assert printable("Café ✓ 東京 [b]") == "Café ✓ 東京 [b]"  # printable text and brackets stay as they are


async def test_hostile_names_are_shown_literally_and_draw_no_control_character(settings) -> None:
    hostile_source(settings)
    services = sample_services(settings, shown_paths=False)
    services.reports.create_report_template(name="[/bold] tpl", schedule="daily")
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)  # before the fix: MarkupError here, the app gone
        assert app.is_running
        screen = app.main_screen
        top = screen.query_one("#top-table")
        shown = [cell(top, key, "name") for key in (str(rank) for rank in range(1, 11))]
        # Prefixes: the names share the pane with the recent table's (hostile, long) user names.
        for start in ("Poster [/x", "[link=http", "\\x1b]2;PWN", "\\x1b[2JWip", "\\x1b]52;c;", "Rev\\u202e"):
            assert any(name.startswith(start) for name in shown), (start, shown)
        recent = screen.query_one("#recent-table", DataTable)
        users = {cell(recent, str(row), "user") for row in range(recent.row_count)}
        assert any(user.startswith("[@cli") for user in users), users  # the column is narrow: a prefix
        assert any(user.startswith("\\x1b[") for user in users), users
        templates = screen.query_one("#templates-table", DataTable)
        assert "[/bold] tpl" in [cell(templates, str(key.value), "name") for key in templates.rows]
        # What the terminal would be sent: no control character except the compositor's own.
        drawn = "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)
        assert "\\x1b]2;PWN" in drawn and not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in drawn)
        assert "\u202e" not in drawn

        # A notification that quotes a name: plain text, escapes shown
        app.notify("\x1b]2;PWNED\x07 [/x]", title="[b]t")
        await pilot.pause()
        assert notes(app)[-1][2] == "\x1b]2;PWNED\x07 [/x]"  # as sent; shown escaped:
        toast = app.screen.query("Toast").last()
        assert "\\x1b]2;PWNED\\x07 [/x]" in static_text(toast)
