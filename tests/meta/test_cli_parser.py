"""The parser builds only the command it is given; the others are listed by their one-line help."""

from __future__ import annotations

import argparse

import pytest

from tui_analytics.cli import build_parser, command_word
from tui_analytics.cli.commands import COMMANDS


def built(parser: argparse.ArgumentParser) -> dict[str, bool]:
    """Each command: whether it was built in full (it has options or sub-commands of its own)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: len(p._actions) > 1 for name, p in sub.choices.items()}


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        ([], None),
        (["--help"], None),
        (["-v", "--version"], None),
        (["export", "top-items"], "export"),
        (["--config", "jobs", "report", "list"], "report"),
        (["--conf", "x.toml", "jobs"], "jobs"),
        (["--config=x.toml", "cache", "keys"], "cache"),
        (["-v", "--", "serve"], "serve"),
        (["exprt"], "exprt"),
    ],
)
def test_the_command_word_skips_global_options_and_the_config_path(argv, word):
    assert command_word(argv) == word


def test_help_lists_every_command_without_building_any():
    parser = build_parser(["--help"])
    assert built(parser) == dict.fromkeys(COMMANDS, False)
    listing = parser.format_help()
    assert all(name in listing and help_line.split()[0] in listing for name, (_m, help_line) in COMMANDS.items())


def test_the_command_given_is_built_in_full_and_parses():
    parser = build_parser(words := ["--config", "x.toml", "export", "top-items", "--limit", "5"])
    assert [name for name, full in built(parser).items() if full] == ["export"]
    args = parser.parse_args(words)
    assert (args.dataset, args.limit, args.config) == ("top-items", 5, "x.toml")


def test_an_unknown_word_builds_everything_and_is_still_a_usage_error(capsys):
    parser = build_parser(["exprt"])
    assert all(built(parser).values())
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["exprt"])
    assert exit_.value.code == 2 and "invalid choice: 'exprt'" in capsys.readouterr().err


def test_each_command_uses_its_help_line_from_the_table():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {c.dest: c.help for c in sub._choices_actions} == {name: line for name, (_m, line) in COMMANDS.items()}
