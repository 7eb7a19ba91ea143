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

WAIT = 120.0
FIRST_START = 300.0  # builds the full demo database before the first frame


class Terminal:
    """One tmux session running a command; `screen()` is what a person would see."""

    def __init__(self, command: str, width: int, height: int) -> None:
        self.name = f"tui-test-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command],
                       check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        for key in keys:  # one at a time, as typed: a burst can arrive as one escape sequence
            subprocess.run(["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), key], check=True)
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
        return subprocess.run(["tmux", "display-message", "-p", "-t", self.name, fmt],
                              capture_output=True, text=True).stdout.strip()

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
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def dashboard(data_dir: Path, width: int, height: int) -> Terminal:
    # COLUMNS/LINES win over the terminal's size in Python; the tmux server may carry stale ones.
    env = {"TUI_ANALYTICS_DATA_DIR": str(data_dir), "TUI_ANALYTICS_LOG_DIR": str(data_dir),
           "TUI_ANALYTICS_TIMEZONE": "UTC", "TERM": "xterm-256color", "COLUMNS": str(width), "LINES": str(height)}
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    command = (f"cd {shlex.quote(str(Path(__file__).resolve().parents[2]))} && env {assignments} "
               f"{shlex.quote(sys.executable)} -m tui_analytics; echo EXIT=$?; sleep 60")
    return Terminal(command, width, height)
