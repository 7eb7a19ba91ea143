"""A real terminal for tests: tmux runs a command, keys are sent, the screen is read back.

Deadlines only stop a test that would hang; they are far above normal times (a loaded machine
may take long to build the demo database or to quit), and no test checks how fast a step was.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

WAIT = 120.0
FIRST_START = 300.0  # builds the full demo database before the first frame


class Terminal:
    """One tmux session running a command; `screen()` is what a person would see."""

    def __init__(self, command: str, width: int, height: int, *, private: bool = False, setup: tuple[str, ...] = ()) -> None:
        """`private`: on a tmux server of its own (no configuration file), so `setup` (tmux commands run
        with the session's start) can change server options without touching anyone else's sessions."""
        self.name = f"tui-test-{uuid.uuid4().hex[:8]}"
        self.private = private
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"] if private else ["tmux"]
        extra = [part for command_ in setup for part in (";", *command_.split())]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command, *extra], check=True
        )

    def run(self, *args: str) -> str:
        return subprocess.run([*self.tmux, *args], capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str, literal: bool = False) -> None:
        for key in keys:  # one at a time, as typed: a burst can arrive as one escape sequence
            subprocess.run([*self.tmux, "send-keys", "-t", self.name, *(["-l"] if literal else []), key], check=True)
            time.sleep(0.15)

    def wait_for(self, check: Callable[[str], bool], timeout: float = WAIT, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what or check}; the screen was:\n{screen}")

    def pane(self, fmt: str) -> str:
        """A tmux format of the pane, e.g. `#{alternate_on}` or `#{pane_title}`."""
        return self.run("display-message", "-p", "-t", self.name, fmt).strip()

    def app_pid(self, timeout: float = WAIT) -> int:
        """The pid of the Python process the pane's shell started."""
        shell = self.pane("#{pane_pid}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = subprocess.run(["pgrep", "-P", shell, "-f", "tui_analytics"], capture_output=True, text=True).stdout
            if found.split():
                return int(found.split()[0])
            time.sleep(0.1)
        raise AssertionError("the dashboard process did not start")

    def close(self) -> None:
        subprocess.run(
            [*self.tmux, "kill-server" if self.private else "kill-session", *([] if self.private else ["-t", self.name])],
            capture_output=True,
        )


def dashboard(data_dir: Path, width: int, height: int, *args: str, **terminal: Any) -> Terminal:
    """The dashboard in tmux on `data_dir`, with the command-line `args` (e.g. --read-only)."""
    # COLUMNS/LINES win over the terminal's size in Python; the tmux server may carry stale ones.
    env = {
        "TUI_ANALYTICS_DATA_DIR": str(data_dir),
        "TUI_ANALYTICS_LOG_DIR": str(data_dir),
        "TUI_ANALYTICS_TIMEZONE": "UTC",
        "TERM": "xterm-256color",
        "COLUMNS": str(width),
        "LINES": str(height),
    }
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    command = (
        f"cd {shlex.quote(str(Path(__file__).resolve().parents[2]))} && env {assignments} "
        f"{shlex.quote(sys.executable)} -m tui_analytics {shlex.join(args)}; echo EXIT=$?; sleep 60"
    )
    return Terminal(command, width, height, **terminal)
