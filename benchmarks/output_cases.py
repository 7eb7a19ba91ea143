"""Terminal output: bytes per second the dashboard writes to its terminal in steady state, vs a bare app.

Each app runs in its own pseudo-terminal of the given size; everything it writes is
read and counted. After a warm-up (start-up, the first job runs) the bytes written
during a fixed window are divided by the window. The baseline is a bare Textual app
(header clock, six-row DataTable whose countdown cells change every second:
output_child.py) measured at the same time on the same machine. Operators on SSH
through recording bastions pay for every byte, so the target is <= 1.5x the bare app.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass

from benchmarks.common import ROOT, Context, Row, check, child_env

# (warm-up, measured window) in seconds, per suite size: long enough for every job's first run.
WINDOWS = {"smoke": (12.0, 6.0), "small": (20.0, 25.0), "large": (20.0, 25.0)}
TERMINALS = ((160, 50), (80, 24))


def _own_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pty (as a terminal emulator does)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@dataclass
class Terminal:
    """A child process on a pty; `read()` takes what it wrote and counts the bytes from `mark()`."""

    proc: subprocess.Popen[bytes]
    master: int
    total: int = 0
    marked: int = 0
    marked_at: float = 0.0

    @classmethod
    def start(cls, args: list[str], env: dict[str, str], width: int, height: int) -> Terminal:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        env = dict(env, TERM="xterm-256color", COLUMNS=str(width), LINES=str(height))
        # Textual draws on stderr; all three streams are the terminal, as in a shell.
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, preexec_fn=_own_terminal
        )
        os.close(slave)
        return cls(proc, master)

    def read(self) -> None:
        try:
            self.total += len(os.read(self.master, 65536))
        except OSError:  # the child closed its terminal
            pass

    def mark(self) -> None:
        self.marked, self.marked_at = self.total, time.monotonic()

    def rate(self) -> float:
        return (self.total - self.marked) / (time.monotonic() - self.marked_at)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.close(self.master)


def pump_all(terminals: list[Terminal], seconds: float) -> None:
    """Read from every terminal for `seconds` (so no child blocks on a full pty)."""
    by_fd = {term.master: term for term in terminals}
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select(list(by_fd), [], [], min(left, 0.2))
        for fd in ready:
            by_fd[fd].read()


def measure(ctx: Context, width: int, height: int) -> tuple[float, float]:
    """(dashboard, bare app) bytes per second at width x height, measured over the same window."""
    warm, window = WINDOWS[ctx.size.name]
    data_dir = ctx.workdir / f"output-{width}x{height}"
    env = child_env(
        TUI_ANALYTICS_DATABASE_URL=ctx.urls[ctx.size.databases[0]],
        TUI_ANALYTICS_DATA_DIR=str(data_dir),
        TUI_ANALYTICS_TIMEZONE="UTC",
    )
    apps = {"the dashboard": ["-m", "tui_analytics"], "the bare app": ["-m", "benchmarks.output_child"]}
    terminals = [Terminal.start(args, env, width, height) for args in apps.values()]
    try:
        pump_all(terminals, warm)
        for name, term in zip(apps, terminals):
            if term.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {term.proc.returncode} during the warm-up")
            term.mark()
        pump_all(terminals, window)
        dashboard, bare = (term.rate() for term in terminals)
    finally:
        for term in terminals:
            term.stop()
    return dashboard, bare


def run(ctx: Context) -> list[Row]:
    rows = []
    for width, height in TERMINALS:
        dashboard, bare = measure(ctx, width, height)
        rows.append(
            Row(
                f"terminal output {width}x{height} (dashboard vs bare Textual)",
                dashboard,
                "B/s",
                bare,
                "<=1.5x",
                check(dashboard / bare, 1.5),
            )
        )
    return rows
