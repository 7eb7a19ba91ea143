"""Run a module as `python -m MODULE ARGS...` and write this process's peak RSS (MiB) to $BENCH_PEAK_FILE at exit.

Why not wait4's ru_maxrss in the parent: on Linux, exec records the high-water
mark of the memory it replaces, which after fork is a copy of the parent's, so
every child would report at least the parent's RSS. VmHWM in /proc/self/status
belongs to the exec'd process alone.
"""

import atexit
import os
import runpy
import sys


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _report() -> None:
    with open(os.environ["BENCH_PEAK_FILE"], "w") as fh:
        fh.write(f"{_vm_hwm_mb():.3f}\n")


if __name__ == "__main__":
    module, sys.argv = sys.argv[1], sys.argv[1:]
    atexit.register(_report)
    runpy.run_module(module, run_name="__main__", alter_sys=True)
