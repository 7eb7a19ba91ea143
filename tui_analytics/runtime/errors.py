"""Error types shared by every layer.

Each error's message is one line an operator can act on; URLs in messages are
already masked by the code that raises them, and `one_line` masks any known
password again.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from tui_analytics.runtime.redact import redact


class TuiAnalyticsError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(TuiAnalyticsError, ValueError):
    """A configuration value (environment, TOML file, option) is invalid."""


class SettingsError(ConfigError):
    """The settings themselves cannot be used (the file is missing or not TOML, a bad zone, a bad URL):
    the CLI exits 78 (EX_CONFIG), which a service manager should not retry."""


class DatabaseError(TuiAnalyticsError):
    """A database cannot be reached or used; the message names it with its password masked."""


class SourceSchemaError(DatabaseError):
    """The source database lacks the tables or columns the analytics need."""


class _KeyErrorMessage(KeyError):
    # KeyError.__str__ shows repr(arg), which wraps the message in quotes.
    def __str__(self) -> str:  # pragma: no cover - trivial
        return str(self.args[0]) if self.args else ""


class UnknownJobError(TuiAnalyticsError, _KeyErrorMessage):
    """A job id that is not one of the processor's jobs."""


class UnknownTemplateError(TuiAnalyticsError, _KeyErrorMessage):
    """A report template id that does not exist."""


class ExportOptionsError(TuiAnalyticsError, ValueError):
    """Export options that cannot be honoured (unknown format, bad date range, bad path)."""


class TemplateValidationError(TuiAnalyticsError, ValueError):
    """A report template field is invalid; nothing was saved."""


def did_you_mean(typed: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'user-growth'?)" with the closest one or two of `choices`, or "" when none is close."""
    close = difflib.get_close_matches(typed, list(choices), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def unknown(kind: str, name: object, choices: Iterable[str]) -> str:
    """ "unknown dataset 'user-grwoth' (did you mean 'user-growth'?); use one of: ..." for a name
    that is not one of `choices` (the closest few suggested, when any is close)."""
    known = list(choices)
    hint = did_you_mean(str(name).lower(), known)
    if hint:  # the likely fix alone: the line stays short enough to be read whole
        return f"unknown {kind} {name!r}{hint}"
    listed = f"; use one of: {', '.join(known)}" if len(known) <= 12 else ""
    return f"unknown {kind} {name!r}{listed}"


def one_line(exc: BaseException, *, with_type: bool = False) -> str:
    """The one line an operator sees for an error (dashboard, CLI, history, logs).

    A KeyError shows its message without quotes, an OSError names its file, and
    whitespace (a multi-line driver message) is folded to single spaces. With
    `with_type`, an error not raised on purpose by this package is prefixed by
    its type ("ZeroDivisionError: division by zero"), since its text alone may
    not say what failed. Passwords are masked (`redact`): whatever raised the
    error (a driver, an SMTP server) may have echoed one.
    """

    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    elif isinstance(exc, OSError) and not isinstance(exc, TuiAnalyticsError) and exc.filename:
        name = str(exc.filename)
        # A 5,000-character path would make a 5 KB "line": its start and end say enough.
        text = f"{exc.strerror or exc}: {name if len(name) <= 120 else name[:60] + '...' + name[-40:]}"
    else:
        text = str(exc)
    text = redact(" ".join(text.split()))
    if not text:
        return type(exc).__name__
    if with_type and not isinstance(exc, TuiAnalyticsError):
        return f"{type(exc).__name__}: {text}"
    return text
