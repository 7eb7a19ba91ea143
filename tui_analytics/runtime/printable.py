"""`printable(text)`: text from the data or an operator, safe to write to a terminal.

A name in the source database is data, not terminal commands: `\\x1b]2;...\\x07` would
set the terminal's title, `\\x1b[2J` erase the screen, `\\x1b]52;c;...\\x07` write the
operator's clipboard, and a bidi override (U+202E) would show text in another order
than it is stored. Every face (dashboard, CLI tables, notifications) shows such
characters as visible escapes (`\\x1b`, `\\u202e`); exported files keep the data as it is.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = False) -> str:
    """`text` with every control character (C0, DEL, C1) and bidi control shown escaped.
    With `newlines`, line feeds stay (multi-line messages); otherwise they are escaped too."""
    return (_UNSAFE_BUT_NEWLINE if newlines else _UNSAFE).sub(_escape, str(text))
