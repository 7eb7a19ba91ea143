"""`/`: filter a table's rows by text, with a small input shown in the pane above the table.

A filter is words, all of which a row must contain (any case): `fail` keeps the rows whose
status, name or error says so. A word `field:value` looks in one field only: `status:failed`,
`template:weekly`, `trigger:manual`. The panes keep the filter's text and apply it every time
they redraw, so it stays through the live refreshes; escape clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

# Other names an operator may type for a field (`outcome:failed` is `status:failed`).
ALIASES = {"outcome": "status", "state": "status", "name": "template", "job": "id", "to": "recipients"}


@dataclass(frozen=True)
class RowFilter:
    """The parsed filter text: (field or None, word) pairs, lower-case."""

    text: str
    terms: tuple[tuple[str | None, str], ...]

    @classmethod
    def parse(cls, text: str) -> RowFilter:
        import shlex  # only once someone types a filter

        try:
            words = shlex.split(text)
        except ValueError:  # an unclosed quote while typing
            words = text.split()
        terms: list[tuple[str | None, str]] = []
        for word in words:
            field, sep, value = word.partition(":")
            if sep and field and value:
                field = field.lower()
                terms.append((ALIASES.get(field, field), value.lower()))
            else:
                terms.append((None, word.lower()))
        return cls(text.strip(), tuple(terms))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, fields: Mapping[str, str]) -> bool:
        """True when every word is in the row: in its field for `field:word` (or anywhere, when the
        row has no such field, so `error:locked` still finds the word), else in any field."""
        everything = " ".join(fields.values()).lower()
        for field, word in self.terms:
            where = fields.get(field) if field is not None else None
            if field is not None and where is None:
                if f"{field}:{word}" not in everything and word not in everything:
                    return False
            elif word not in (where.lower() if where is not None else everything):
                return False
        return True


NO_FILTER = RowFilter("", ())


class FilterInput(Input):
    """The filter's input, above its table; hidden until `/`. Typing filters as it goes, enter
    goes back to the table keeping the filter, escape clears it."""

    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", id="filter-clear", tooltip="Clear the filter"),
    ]

    class Cleared(Message):
        """Escape in the input: the pane drops the filter and hides the input."""

        def __init__(self, field: FilterInput) -> None:
            super().__init__()
            self.field = field

    def __init__(self, table_id: str) -> None:
        super().__init__(
            id=f"{table_id}-filter",
            classes="row-filter",
            compact=True,
            select_on_focus=False,
            placeholder="filter: words, status:failed, template:NAME · enter keeps · escape clears",
        )
        self.table_id = table_id
        self.display = False

    def action_clear_filter(self) -> None:
        self.post_message(self.Cleared(self))
