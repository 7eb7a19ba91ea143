"""The first opening of one dialog, run as `python -m benchmarks.dialog_child NAME`.

A fresh process (a first opening pays for imports and first-time construction once per process):
the dashboard starts headless as `tui-analytics` builds it, with its stall monitor watching the
loop at a fine threshold; once its panes are full and it has been quiet for a moment (an operator
reads the screen before pressing a key), the dialog's key is pressed and the longest stall
between the key and the dialog being drawn is printed: `STALL <ms>` (0 when none reached the
threshold), then `OPENED <ms>`, the key to the drawn dialog.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

# name -> (keys pressed before, the key, what shows). `enter` edits the selected template.
DIALOGS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "export": ((), "e", "ExportDialog"),
    "template": (("4",), "n", "TemplateDialog"),
    "template-edit": (("4",), "enter", "TemplateDialog"),
    "invalidate": ((), "i", "InvalidateDialog"),
    "help": ((), "question_mark", "HelpScreen"),
    "palette": ((), "ctrl+p", "Palette"),  # ui/screens/palette.py: Textual's CommandPalette
    "detail": ((), "v", "DetailScreen"),
    "messages": ((), "m", "MessagesScreen"),
    "confirm": ((), "c", "ConfirmDialog"),
}
THRESHOLD_S = 0.01  # stalls from 10 ms up are recorded (the dashboard logs from 100 ms)
SETTLE_S = 1.5  # quiet time after the panes are full, before the key
GIVE_UP_S = 120.0


def main(name: str) -> int:
    import logging

    from tui_analytics.config.settings import load_settings
    from tui_analytics.runtime.stall import StallMonitor
    from tui_analytics.ui import build_app

    logging.disable(logging.WARNING)  # the monitor logs each stall; the figure is printed below
    before, key, shows = DIALOGS[name]
    app = build_app(load_settings())
    monitor = StallMonitor(THRESHOLD_S, interval=0.005)
    result: dict[str, float] = {}

    async def pilot(pilot: Any) -> None:
        deadline = time.monotonic() + GIVE_UP_S
        while not (app.services.ready and app.is_quiet and app.main_screen.templates):
            if time.monotonic() > deadline:
                app.exit(return_code=2)
                return
            await asyncio.sleep(0.02)
        for press in before:
            await pilot.press(press)
        await asyncio.sleep(SETTLE_S)
        if os.environ.get("BENCH_SECOND_OPENING"):  # compare: the same dialog opened a second time
            await pilot.press(key)
            while type(app.screen).__name__ != shows:
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.3)
            await pilot.press("escape")
            while type(app.screen).__name__ == shows:
                await asyncio.sleep(0.001)
            await asyncio.sleep(SETTLE_S)
        monitor.start()
        seen = monitor.count
        started = time.perf_counter()
        profile = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        await pilot.press(key)
        while type(app.screen).__name__ != shows:
            if time.monotonic() > deadline:
                app.exit(return_code=3)
                return
            await asyncio.sleep(0.001)
        drawn = asyncio.get_running_loop().create_future()
        app.call_after_refresh(lambda: drawn.done() or drawn.set_result(time.perf_counter()))
        result["opened"] = (await drawn - started) * 1000.0
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        await asyncio.sleep(0.1)  # a stall still under way is recorded once the loop answers
        monitor.stop()
        stalls = list(monitor.stalls)[len(monitor.stalls) - (monitor.count - seen) :] if monitor.count > seen else []
        result["stall"] = max((s.duration_ms for s in stalls), default=0.0)
        if os.environ.get("BENCH_STALL_STACKS"):  # where the time went, for whoever tunes it
            for stall in stalls:
                print(f"{stall.duration_ms:.0f} ms", *stall.stack, sep="\n", file=sys.stderr)
        app.exit()

    app.run(headless=True, size=(160, 48), auto_pilot=pilot)
    if "stall" not in result:
        print(f"{name}: the dialog did not open (return code {app.return_code})", file=sys.stderr)
        return 1
    print(f"STALL {result['stall']:.1f}")
    print(f"OPENED {result['opened']:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
