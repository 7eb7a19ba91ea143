"""Reading the TOML settings file: a small regular UTF-8 file whose settings table (top level, or a
[tui-analytics] table) has the right kinds of values. Every mistake is one ConfigError line."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from tui_analytics.config.values import shorten
from tui_analytics.runtime.errors import ConfigError

APP_NAME = "tui-analytics"
Table = dict[str, object]


def read_toml(path: Path | str, text_keys: frozenset[str] = frozenset()) -> Table:
    """The settings table of a TOML file (top level, or a [tui-analytics] table); the values of
    `text_keys` must be non-empty text."""
    import tomllib  # only when there is a file to read

    path = Path(path)
    try:
        data = tomllib.loads(_config_text(path))
    except RecursionError:
        raise ConfigError(f"config file {shorten(str(path))} nests tables or arrays too deeply") from None
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {shorten(str(path))}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {shorten(str(path))}: {exc.strerror or exc}") from None
    table = data.get(APP_NAME, data)
    if not isinstance(table, dict):
        raise ConfigError(f"[{APP_NAME}] in {path} must be a table")
    _check_table(table, path, text_keys)
    return table


MAX_CONFIG_BYTES = 1024 * 1024  # a settings file is a few kilobytes; more is a mistake (a device, a log)


def _config_text(path: Path) -> str:
    """The file's text: a regular file of at most MAX_CONFIG_BYTES, never a FIFO or a device
    (reading /dev/zero would grow without end, a FIFO would wait for a writer)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # a FIFO must not block the open
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"config file {shorten(str(path))} is not a regular file")
        data = fh.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {shorten(str(path))} is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    return data.decode("utf-8")


def _check_table(table: Mapping[str, object], path: Path, text_keys: frozenset[str]) -> None:
    for key, value in table.items():
        if key not in text_keys:
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{key} in {path} must be text (in quotes), got {shorten(value)}")
        if not value.strip():
            raise ConfigError(f"{key} in {path} is empty: leave it out for the default")
    if not isinstance(table.get("jobs", {}), dict):
        raise ConfigError(f"jobs in {path} must be a table ([jobs] with one interval per job)")
    keys = table.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigError(f'keys in {path} must be a table ([keys] with one key per action, e.g. trigger = "r")')
    for action, key in keys.items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(
                f'keys.{str(action)[:60]} in {path} must be a key in quotes, such as "r" or "ctrl+r", got {shorten(key)}'
            )
