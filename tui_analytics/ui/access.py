"""Read-only mode in the dashboard: which keys change something, and how a refused one says so.

A dashboard runs read-only with `tui-analytics --read-only`, `[access] read_only = true`, or as the
dashboard of a `web` viewer. Then every key, palette entry and dialog that changes what the
services do (CHANGING) refuses with one line naming the mode; the footer and the help leave those
keys out. Export is a change only when `[access] read_only_exports` is false (the default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

# Binding ids (keys.py) and palette entries that change what the services do or hold.
CHANGING = frozenset(
    {
        "trigger",
        "clear-cache",
        "invalidate",
        "pause",
        "pause-job",
        "job-interval",
        "export",
        "new-template",
        "edit-template",
        "delete-template",
        "generate",
        "recipients",
        "backfill",
    }
)
# What a palette-only change is called in a refusal (the keys are named by their binding).
PALETTE_CHANGES = {"recipients": "Edit recipients", "backfill": "Backfill"}

MethodT = TypeVar("MethodT", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """What this dashboard may do: `mode` None for everything, else its name in a refusal."""

    mode: str | None = None
    exports: bool = True  # in a read-only mode: whether export still works

    @property
    def read_only(self) -> bool:
        return self.mode is not None

    def refuses(self, change: str) -> bool:
        """Whether the binding or palette entry `change` (an id of CHANGING) is refused here."""
        if self.mode is None or change not in CHANGING:
            return False
        return not (change == "export" and self.exports)

    def refusal(self, what: str) -> str:
        """The one line a refused change shows."""
        return f"{self.mode}: {what} is not allowed."


def access_for(*, read_only: bool, web_user: str | None, web_role: str | None, exports: bool) -> Access:
    """The dashboard's access: a web viewer, the read-only mode, or everything."""
    if web_role == "viewer":
        return Access(f"Read-only mode (viewer {web_user})" if web_user else "Read-only mode (viewer)", exports)
    if read_only:
        return Access("Read-only mode", exports)
    return Access()


def changing(change: str) -> Callable[[MethodT], MethodT]:
    """An action method that refuses (one line, nothing done) when the dashboard's access refuses
    `change`; for the ways in that skip the key bindings (the palette, enter on a table, a twin)."""

    def wrap(method: MethodT) -> MethodT:
        @functools.wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self.app.access.refuses(change):
                self.refuse(change)
                return None
            return method(self, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap


__all__ = ["CHANGING", "PALETTE_CHANGES", "Access", "access_for", "changing"]
