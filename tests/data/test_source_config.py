"""The [source] mapping is checked when the settings load: one line naming the entity and the column, exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import foreign
from tui_analytics.cli import main
from tui_analytics.config.settings import load_settings
from tui_analytics.runtime.errors import ConfigError

URL = "sqlite:////nonexistent/shop.sqlite3"


def _write(tmp_path: Path, source: dict) -> Path:
    return foreign.write_config(tmp_path / "shop.toml", URL, source)


def test_a_mapping_loads(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, foreign.mapping()), env={})
    assert settings.source_mapped and settings.source.configured
    assert settings.source.users.column("created_at") == "date_joined"
    assert settings.source.items.query is not None and settings.source.items.query.startswith("SELECT t.id")
    assert settings.source.timestamps_of("activities") == "auto"


def test_without_source_the_builtin_tables_apply(tmp_path: Path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text(f'database_url = "{URL}"\n')
    settings = load_settings(path, env={})
    assert not settings.source_mapped and settings.source.activities.table == "activities"


def _broken(**changes: object) -> dict:
    source = foreign.mapping()
    for key, value in changes.items():
        entity, _, field = key.partition("__")
        if value is None:
            source[entity].pop(field)
        else:
            source[entity][field] = value
    return source


CASES = [
    (_broken(users__query="SELECT 1"), ["[source.users]", "both table and query"]),
    (_broken(users__columns={"id": "id", "name": "username"}), ["[source.users]", "no created_at"]),
    (
        _broken(activities__columns={"user_id": "a", "item_id": "b", "created_at": "c", "kind": "k"}),
        ["[source.activities]", "unknown column 'kind'"],
    ),
    (_broken(activities__timestamps="unix"), ["[source.activities]", "timestamps", "'unix'"]),
    (_broken(activities__tabel="events"), ["[source.activities]", "unknown key 'tabel'", "did you mean 'table'"]),
    (_broken(users__time_zone="Mars/Olympus"), ["[source.users]", "time_zone", "Mars/Olympus"]),
    (_broken(items__query="DELETE FROM genre"), ["[source.items]", "SELECT"]),
    (_broken(items__timestamps="epoch"), ["[source.items]", "unknown key 'timestamps'"]),
    (
        _broken(users__columns={"id": "id", "name": "username", "created_at": "date_joined; DROP TABLE x"}),
        ["[source.users]", "columns.created_at", "not a plain column name"],
    ),
]


@pytest.mark.parametrize(("source", "words"), CASES)
def test_a_bad_mapping_is_one_line_naming_entity_and_column(tmp_path: Path, source: dict, words: list[str]) -> None:
    path = _write(tmp_path, source)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_the_cli_exits_78_with_that_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _broken(users__columns={"id": "id", "name": "username"}))
    assert main(["--config", str(path), "source", "check"]) == 78  # EX_CONFIG: a mistake in the settings
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "[source.users] columns has no created_at" in err


def test_a_mapping_needs_a_database_url(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    foreign.write_config(path, URL, foreign.mapping())
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")  # no database_url
    with pytest.raises(ConfigError, match="no database_url"):
        load_settings(path, env={})
