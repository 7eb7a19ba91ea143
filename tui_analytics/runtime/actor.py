"""Who this process acts for, for the audit log (data/state/audit.py): a user, a host, a pid, a face.

The face is set once by the entry point that started the process (`set_face`): the terminal
dashboard says "tui", a dashboard that `web` started for a browser says "web", every CLI command
"cli"; anything else (a script importing the package) is the Python API, "api". The user is the
OS user, or, for a browser session, the user `web` authenticated (web_child.py passes it on).
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

FACES = ("tui", "web", "cli", "api")
WEB_USER_VARIABLE = "TUI_ANALYTICS_WEB_USER"  # set by `web` for a session's dashboard: who logged in

_face = "api"


@dataclass(frozen=True)
class Actor:
    """Who did something, and where: the columns of an audit row besides what and when."""

    user: str
    host: str
    pid: int
    face: str


def set_face(face: str) -> None:
    """Name the face this process serves (the CLI, the dashboard); the API is the default."""
    global _face
    if face not in FACES:
        raise ValueError(f"unknown face {face!r}: one of {', '.join(FACES)}")
    _face = face


def os_user() -> str:
    """The OS user this process runs as ("uid 1000" when the name cannot be found)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        return f"uid {os.getuid()}"


def current_actor(environ: Mapping[str, str] = os.environ) -> Actor:
    """This process as the audit log names it."""
    user = os_user()
    web_user = environ.get(WEB_USER_VARIABLE, "")
    if _face == "web" and web_user:
        user = web_user
    return Actor(user=user, host=socket.gethostname(), pid=os.getpid(), face=_face)


__all__ = ["FACES", "WEB_USER_VARIABLE", "Actor", "current_actor", "os_user", "set_face"]
