"""Titles and palette entries shown as text, never read as Textual markup.

Textual reads a plain `str` given to `border_title` or to a command palette hit as markup, so a
template named `Sales [/b] weekly` or a filter typed as `fail[/]` would raise MarkupError and
end the dashboard. Everything that carries a name, a filter or an error goes through here.
"""

from __future__ import annotations

from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from tui_analytics.runtime.printable import printable


def title_text(value: str) -> Content:
    """A border title or label shown exactly as written (control characters escaped)."""
    return Content(printable(value))


def help_markup(value: str) -> str:
    """A palette hit's help line: Textual always parses it as markup, so its brackets are escaped."""
    return escape(printable(value))


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """`candidate` with the letters the query matched highlighted, read as text.

    Matcher.highlight would parse the candidate as markup; the offsets come from the same search.
    """
    content = title_text(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, content.plain)
    if not score:
        return content
    for offset in offsets:
        if not content.plain[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
