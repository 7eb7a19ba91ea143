"""benchmarks/common.run_child: a child over its time limit is killed with a clear error, and
its exit is waited for, not polled (polling put a 35 ms child at 32 or 64 ms)."""

from __future__ import annotations

import subprocess

import pytest

from benchmarks.common import run_child

SLEEPER = ["-m", "timeit", "-n", "1", "-r", "1", "import time; time.sleep(60)"]


def test_a_child_over_its_time_limit_is_killed_with_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="took longer than 1 s"):
        run_child(SLEEPER, timeout=1.0)


def test_the_childs_exit_is_waited_for_without_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float | None] = []
    wait = subprocess.Popen.wait

    def recording_wait(proc: subprocess.Popen[bytes], timeout: float | None = None) -> int:
        waits.append(timeout)
        return wait(proc, timeout)

    monkeypatch.setattr(subprocess.Popen, "wait", recording_wait)
    result = run_child(["-m", "timeit", "-n", "1", "-r", "1", "pass"], timeout=60.0)
    assert "loop" in result.stdout  # timeit's report: the child ran to its end
    assert waits == [None]  # one blocking wait; a timeout here makes Popen poll
