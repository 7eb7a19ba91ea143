"""`tui-analytics config path`: which settings file a command here reads (or that none is read)."""

from __future__ import annotations

import argparse
import os

from tui_analytics.cli.commands import summary


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = sub.add_parser("config", help=summary("config"), description=summary("config"))
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    path = actions.add_parser(
        "path",
        help="print the settings file that is read, and how it was chosen",
        description="Print the settings file that is read: --config, else $TUI_ANALYTICS_CONFIG, else the first that "
        "exists of $XDG_CONFIG_HOME/tui-analytics/config.toml (default ~/.config) and /etc/tui-analytics/config.toml; "
        "or that none is. Exits 78 when the file named does not exist.",
    )
    path.set_defaults(handler=run_path)


def run_path(args: argparse.Namespace) -> int:
    from tui_analytics.config.discovery import find_config
    from tui_analytics.config.settings import load_settings

    choice = find_config(getattr(args, "config", None), os.environ)
    if choice.path is not None:
        load_settings(choice.path)  # a file that cannot be read, or holds a mistake, is the error it would be
    print(choice.describe())
    return 0
