"""The `tui-analytics` command: the dashboard, plus sub-commands for scripts and servers.

Each sub-command group lives in its own module with a `register(subparsers)`
function; errors print one line and exit non-zero: usage mistakes too (argparse
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
from tui_analytics.runtime.errors import TuiAnalyticsError, one_line
from tui_analytics.runtime.redact import RedactingWriter, install_log_redaction, redact, register_environment

EXIT_ERROR = 1
EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (what is wrong, and where to look)."""

    def error(self, message: str) -> NoReturn:
        prefix, suffix = f"{self.prog}: error: ", f" (see {self.prog} --help)"
        text = clip(redact(message), MAX_LINE - len(prefix) - len(suffix))
        self.exit(EXIT_USAGE, f"{prefix}{text}{suffix}\n")


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
_LONG_QUOTE = re.compile(r"'([^'\n]{60,})'")


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
    except (TuiAnalyticsError, ValueError, KeyError, OSError) as exc:
        return fail(one_line(exc))
    except Exception as exc:  # a bug: one line for the operator, the traceback only when asked for
        if args.verbose:
            print(redact("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
        return fail(f"unexpected {one_line(exc, with_type=True)[:300]} (run with -v for the traceback)")


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
