"""Keys remapped in the configuration ([keys]) and the theme remembered between runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.support.sample import app_for, sample_app, sample_services
from tests.support.ui import notes, settle, until
from tui_analytics.cli import main
from tui_analytics.config.settings import load_settings
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.ui.app import DashboardApp
from tui_analytics.ui.keymap import check_keymap
from tui_analytics.ui.keys import BINDINGS, ELSEWHERE
from tui_analytics.ui.preferences import FILE_NAME, MARK, Preferences

NARROW = (80, 24)


def test_every_binding_of_keys_py_has_an_id_and_the_ids_are_unique() -> None:
    assert all(b.id for b in [*BINDINGS, *ELSEWHERE])
    ids = [b.id for b in BINDINGS]
    assert len(ids) == len(set(ids))
    # A pane key's hidden twin carries its id, so remapping the key moves both.
    assert {b.id for b in ELSEWHERE} <= set(ids)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"trigr": "r"}, "[keys] unknown action 'trigr' (did you mean 'trigger'?)"),
        ({"trigger": "ctrl+"}, "[keys] trigger = 'ctrl+': 'ctrl+' is not a key"),
        ({"trigger": "banana"}, "[keys] trigger = 'banana': 'banana' is not a key"),
        ({"trigger": "c"}, "[keys] trigger = 'c': that key is already clear-cache's"),
        ({"help": "t"}, "[keys] help = 't': that key is already trigger's"),
    ],
)
def test_a_bad_keys_entry_is_one_line_naming_it(entries, message) -> None:
    with pytest.raises(ConfigError) as caught:
        check_keymap(entries)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_keys_are_normalised_and_swapped_keys_do_not_clash() -> None:
    assert check_keymap({"trigger": "r", "help": "?", "quit": "ctrl+q,x"}) == {
        "trigger": "r",
        "help": "question_mark",
        "quit": "ctrl+q,x",
    }
    assert check_keymap({"trigger": "c", "clear-cache": "w"}) == {"trigger": "c", "clear-cache": "w"}


def test_the_toml_keys_table_is_read_and_a_value_that_is_not_text_is_refused(tmp_path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[keys]\ntrigger = "r"\nhelp = "f1"\n')
    assert load_settings(config, env={"TUI_ANALYTICS_DATA_DIR": str(tmp_path)}).keys == {"trigger": "r", "help": "f1"}
    config.write_text("[keys]\ntrigger = 5\n")
    with pytest.raises(ConfigError, match="keys.trigger in .* must be a key in quotes"):
        load_settings(config, env={"TUI_ANALYTICS_DATA_DIR": str(tmp_path)})


def test_the_dashboard_refuses_to_start_with_an_unknown_action(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUI_ANALYTICS_LOG_DIR", str(tmp_path))
    config = tmp_path / "c.toml"
    config.write_text('[keys]\ntrigr = "r"\n')
    assert main(["--config", str(config)]) == 78  # a settings mistake: EX_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["tui-analytics: error: [keys] unknown action 'trigr' (did you mean 'trigger'?)"]


def footer_text(app: DashboardApp) -> str:
    return app.screen._compositor.render_strips()[-1].text


@pytest.mark.slow
async def test_a_remapped_key_acts_and_the_footer_help_and_palette_show_it(settings) -> None:
    from tui_analytics.ui.screens.help import HelpScreen

    services = sample_services(settings, shown_paths=False)
    app = app_for(services)
    app.keymap = check_keymap({"trigger": "r", "help": "f1"})
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        footer = footer_text(app)
        assert "r Run" in footer and "t Run" not in footer and "f1 Help" in footer
        await pilot.press("t")  # no longer bound
        await settle(pilot)
        assert not [n for n in notes(app) if n[1] == "Job finished"]
        await pilot.press("r")
        await until(pilot, lambda: any(n[1] == "Job finished" for n in notes(app)))
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.screen.query_one("#help-keys", Static).content)
        firsts = {line.split()[0] for line in console.export_text().splitlines() if line.split()}
        assert {"r", "f1"} <= firsts and "t" not in firsts
        await pilot.press("escape")
        from tui_analytics.ui.palette_commands import DashboardCommands

        titles = [title for title, *_ in DashboardCommands(app.screen)._commands()]
        assert "Run (r)" in titles and "Help (f1)" in titles
        await pilot.press("4", "r")  # the Jobs pane's key typed on another tab: its twin moved too
        await settle(pilot)
        assert app.main_screen.active_pane == "jobs"


@pytest.mark.slow
async def test_the_theme_chosen_is_remembered_and_restored_at_the_next_start(settings, tmp_path) -> None:
    prefs = Preferences.load(tmp_path)
    app = sample_app(settings)
    app.preferences = prefs
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        app.theme = "nord"  # what the palette's "Change theme" does
        await until(pilot, lambda: (tmp_path / FILE_NAME).exists())
        await settle(pilot)
    assert json.loads((tmp_path / FILE_NAME).read_text()) == {"written_by": MARK, "theme": "nord"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{FILE_NAME}")] == []  # no temp left
    again = app_for(sample_services(settings, shown_paths=False))
    # What build_app(preferences=...) does, on a new app.
    restored = DashboardApp(again.services, start_scheduler=False, preferences=Preferences.load(tmp_path))
    assert restored.theme == "nord"


@pytest.mark.slow
async def test_a_file_of_that_name_that_is_not_ours_is_never_replaced(settings, tmp_path) -> None:
    theirs = tmp_path / FILE_NAME
    theirs.write_text('{"something": "else"}\n')
    prefs = Preferences.load(tmp_path)
    assert not prefs.ours and prefs.theme is None
    app = sample_app(settings)
    app.preferences = prefs
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await until(pilot, lambda: any(n[1] == "Theme not remembered" for n in notes(app)))
    assert theirs.read_text() == '{"something": "else"}\n'


def test_preferences_are_written_atomically_and_read_back(tmp_path: Path) -> None:
    prefs = Preferences.load(tmp_path / "new")
    assert prefs.ours and prefs.theme is None
    assert prefs.save_theme("gruvbox") is None
    assert Preferences.load(tmp_path / "new").theme == "gruvbox"
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [FILE_NAME]
