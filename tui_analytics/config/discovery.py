"""Which settings file is read when none is named: the first that exists of
`$TUI_ANALYTICS_CONFIG`, `$XDG_CONFIG_HOME/tui-analytics/config.toml` (default
`~/.config`) and `/etc/tui-analytics/config.toml`.

A file named by `--config` or `TUI_ANALYTICS_CONFIG` must exist (a missing one is a
configuration error); the two places looked in are read only when a file is there, so a
machine without any runs on the environment alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tui_analytics.config.toml_file import APP_NAME

CONFIG_VARIABLE = "TUI_ANALYTICS_CONFIG"
FILE_NAME = "config.toml"
# The machine's file, for a service (deploy/tui-analytics.service reads it through the variable too).
SYSTEM_CONFIG = Path("/etc") / APP_NAME / FILE_NAME


@dataclass(frozen=True)
class ConfigChoice:
    """The settings file to read (None: none), how it was chosen, and where else was looked."""

    path: Path | None
    origin: str
    looked: tuple[Path, ...] = ()

    def describe(self) -> str:
        """One line for `tui-analytics config path`."""
        if self.path is not None:
            return f"{self.path} (from {self.origin})"
        places = ", ".join(str(p) for p in self.looked)
        return f"no config file: the environment and the defaults only (looked in {places})"


def user_config(env: Mapping[str, str]) -> Path | None:
    """`$XDG_CONFIG_HOME/tui-analytics/config.toml`, or `~/.config/...` with `HOME`; None without either."""
    base = env.get("XDG_CONFIG_HOME", "")
    if not base or not Path(base).is_absolute():  # the XDG spec: a relative value is ignored
        home = env.get("HOME", "")
        if not home:
            return None
        base = str(Path(home) / ".config")
    return Path(base) / APP_NAME / FILE_NAME


def find_config(named: Path | str | None, env: Mapping[str, str], system: Path | None = None) -> ConfigChoice:
    """The settings file for `named` (`--config`), else the variable, else the first file that exists."""
    if named:
        return ConfigChoice(Path(named), "--config")
    if env.get(CONFIG_VARIABLE):
        return ConfigChoice(Path(env[CONFIG_VARIABLE]), CONFIG_VARIABLE)
    user_origin = "XDG_CONFIG_HOME" if env.get("XDG_CONFIG_HOME") else "~/.config"
    candidates = [(user_config(env), user_origin), (system or SYSTEM_CONFIG, "/etc")]
    looked = tuple(path for path, _origin in candidates if path is not None)
    for path, origin in candidates:
        if path is not None and (path.exists() or path.is_symlink()):  # a dangling link is an error when read, not skipped
            return ConfigChoice(path, origin, looked)
    return ConfigChoice(None, "", looked)
