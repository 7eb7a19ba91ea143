"""Every argument of every command says what it is for in --help."""

from __future__ import annotations

import argparse

from tui_analytics.cli import build_parser


def walk(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, f"{path} {name}")
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield path, action


def test_every_argument_has_help():
    missing = [
        f"{path}: {'/'.join(action.option_strings) or action.dest}"
        for path, action in walk(build_parser(), "tui-analytics")
        if not (action.help or "").strip() or action.help == argparse.SUPPRESS
    ]
    assert missing == []
