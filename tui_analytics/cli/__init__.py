"""The `tui-analytics` command: the dashboard, plus sub-commands for scripts and servers.

Each sub-command group lives in its own module with a `register(subparsers)`
function; errors print one line and exit non-zero (78, EX_CONFIG, for a mistake in the settings): usage mistakes too (argparse
would print its usage block first), and unexpected exceptions (the traceback
only with -v). Every line printed for an error, and every log record, goes
through `redact`, so no password reaches the terminal or a log file.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from tui_analytics.cli.commands import COMMANDS
from tui_analytics.cli.ownership import TAKE_OVER_HELP
from tui_analytics.runtime.errors import SettingsError, TuiAnalyticsError, one_line
from tui_analytics.runtime.redact import RedactingWriter, install_log_redaction, redact, register_environment

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONFIG = 78  # EX_CONFIG (sysexits.h): the unit's RestartPreventExitStatus= does not retry it


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (what is wrong, and where to look)."""

    def error(self, message: str) -> NoReturn:
        message = _usage_hint(message)
        prefix, suffix = f"{self.prog}: error: ", f" (see {self.prog} --help)"
        text = clip(redact(message), MAX_LINE - len(prefix) - len(suffix))
        self.exit(EXIT_USAGE, f"{prefix}{text}{suffix}\n")


_INVALID_CHOICE = re.compile(r"argument (?P<what>[^:]+): invalid choice: '(?P<typed>[^']*)' \(choose from (?P<choices>.*)\)")


def _usage_hint(message: str) -> str:
    """argparse's message with the likely fix: the command meant by a typo ("serv": serve), and
    where a global option goes when it was given after the command."""
    from tui_analytics.runtime.errors import did_you_mean

    choice = _INVALID_CHOICE.fullmatch(message)
    if choice is not None:  # Python 3.12 lists the choices without quotes, 3.11 with them
        choices = [c.strip().strip("'") for c in choice["choices"].split(",")]
        hint = did_you_mean(choice["typed"], choices)
        return f"argument {choice['what']}: invalid choice: {choice['typed']!r}{hint}" if hint else message
    if message.startswith("unrecognized arguments:") and re.search(r"(^|\s)--c(o(n(f(i(g)?)?)?)?)?(=|\s|$)", message[22:]):
        return f"{message}: --config goes before the command (tui-analytics --config PATH COMMAND ...)"
    return message


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the command it names is built in full, the others only as their
    one-line help (building one imports its module, and those imports were most of what
    `--help` cost). Without `argv`, every command is built, as the help tests walk them."""
    parser = OneLineParser(
        prog="tui-analytics",
        description="Terminal dashboard for an application's analytics. With no command, opens the dashboard.",
    )
    parser.add_argument("--config", metavar="PATH", type=_not_empty, help="TOML settings file (environment variables win)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to the log file / stderr")
    parser.add_argument("--take-over", action="store_true", help=TAKE_OVER_HELP)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="look, change nothing: the dashboard's changing keys and every changing command refuse ([access] read_only)",
    )
    from tui_analytics.runtime.version import __version__

    parser.add_argument("--version", action="version", version=f"tui-analytics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    word = None if argv is None else command_word(argv)
    for name, (module_name, help_line) in COMMANDS.items():
        # A word that names no command may be a value the scan misread: build them all then,
        # so a real command is never left half-built (argparse reports a typo either way).
        if argv is None or word == name or (word is not None and word not in COMMANDS):
            importlib.import_module(f".{module_name}", __name__).register(sub)
        else:
            sub.add_parser(name, help=help_line)
    return parser


def command_word(argv: Sequence[str]) -> str | None:
    """The first word of `argv` that is not a global option or its value: the command, if any."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if word.startswith("--c") and "=" not in word and "--config".startswith(word):
            next(words, None)  # --config PATH (argparse also accepts a prefix such as --conf)
        elif not word.startswith("-"):
            return word
    return None


# An error line stays under this many characters, prefix included: a quoted value over 60
# characters is cut first, then the longest words (paths, URLs) in their middle.
MAX_LINE = 199
# A quote that opens after a word's end and closes before one: not the span between two quoted words.
_LONG_QUOTE = re.compile(r"(?<!\w)'([^'\n]{60,})'(?!\w)")


def clip(message: str, room: int) -> str:
    """`message` cut to `room` characters, keeping what says what is wrong ("..." marks the cuts)."""
    message = _LONG_QUOTE.sub(lambda m: f"'{m[1][:40]}...' ({len(m[1]):,} characters)", message)
    words = message.split(" ")
    while len(" ".join(words)) > room:
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) <= 24:
            break
        keep = max(20, len(word) - (len(" ".join(words)) - room) - 3)
        words[longest] = word[: keep // 2] + "..." + word[len(word) - (keep - keep // 2) :]
    message = " ".join(words)
    if len(message) > room:
        message = message[: room - 3] + "..."
    return message


def _not_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def fail(message: str, code: int = EXIT_ERROR) -> int:
    """Print one error line to stderr and return the exit code."""
    prefix = "tui-analytics: error: "
    print(prefix + clip(redact(message), MAX_LINE - len(prefix)), file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while the command modules (SQLAlchemy, Textual) still load
        return fail("interrupted", 130)


def _main(argv: Sequence[str] | None) -> int:
    register_environment()
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(words).parse_args(words)  # --help, --version and usage errors exit here
    import logging  # not at the top: --help needs neither, and the less Python loads before main(),
    import traceback  # the shorter the moment a Ctrl-C would still print a traceback

    install_log_redaction()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from tui_analytics.cli.dashboard import run_dashboard

            return run_dashboard(args)
        with _redacted_output():
            return _run_command(args)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return 0
    except SettingsError as exc:
        return fail(one_line(exc), EXIT_CONFIG)
    except (TuiAnalyticsError, ValueError, KeyError, OSError) as exc:
        return fail(_data_dir_error(exc, args.config) or one_line(exc))
    except Exception as exc:  # a bug: one line for the operator, the traceback only when asked for
        if args.verbose:
            print(redact("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
        return fail(f"unexpected {one_line(exc, with_type=True)[:300]} (run with -v for the traceback)")


def _data_dir_error(exc: BaseException, config: str | None) -> str | None:
    """For a file error on the data directory (or on the way to it: an unwritable HOME), a line
    that says so and how to choose another one; None for any other error."""
    if not isinstance(exc, OSError) or isinstance(exc, TuiAnalyticsError) or not exc.filename:
        return None
    from pathlib import Path

    try:
        from tui_analytics.config.settings import load_settings

        data_dir = load_settings(config).data_dir.absolute()
    except Exception:  # the settings themselves are broken: the error as it is says more
        return None
    failed = Path(str(exc.filename)).absolute()
    if failed != data_dir and failed not in data_dir.parents and data_dir not in failed.parents:
        return None
    where = "" if failed == data_dir else f" at {failed}"
    reason = exc.strerror or one_line(exc)
    return f"data directory {data_dir}: {reason}{where}; set TUI_ANALYTICS_DATA_DIR to a directory you can write"


def _run_command(args: argparse.Namespace) -> int:
    """The command's handler; a change is refused in read-only mode, else recorded in the audit log."""
    from tui_analytics.cli.guard import EXIT_NOPERM, change_of, refusal, run_recorded
    from tui_analytics.runtime.actor import set_face

    set_face("cli")
    change = change_of(args)
    if change is None:
        return int(args.handler(args) or 0)
    from tui_analytics.config.settings import load_settings

    settings = load_settings(getattr(args, "config", None))
    refused = refusal(args, settings, change)
    if refused is not None:
        return fail(refused, EXIT_NOPERM)
    return run_recorded(args, settings, change, lambda: int(args.handler(args) or 0))


@contextmanager
def _redacted_output() -> Iterator[None]:
    """Every line a command prints goes through `redact` (tables, JSON, messages alike)."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingWriter(stdout), RedactingWriter(stderr)
    try:
        yield
    finally:
        for wrapper in (sys.stdout, sys.stderr):
            try:
                wrapper.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be shown
                pass
        sys.stdout, sys.stderr = stdout, stderr
