"""ui/driver.py: SIGCONT restarts application mode only after the app's own SIGTSTP suspend."""

from __future__ import annotations

import signal
import sys

import pytest
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")


def test_the_dashboard_runs_on_the_hangup_safe_driver_where_textual_picks_the_linux_one() -> None:
    from textual.drivers.linux_driver import LinuxDriver

    from tui_analytics.ui.driver import HangupSafeLinuxDriver, driver_class

    assert driver_class(LinuxDriver) is HangupSafeLinuxDriver
    assert driver_class(HeadlessDriver) is HeadlessDriver  # tests, web: theirs


async def test_sigcont_resumes_only_what_sigtstp_suspended(monkeypatch) -> None:
    from tui_analytics.ui.driver import HangupSafeLinuxDriver

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    try:  # the driver installs its SIGTSTP/SIGCONT handlers when built
        driver = HangupSafeLinuxDriver(App(), debug=False, mouse=False, size=(80, 24))
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    resumed: list[bool] = []
    monkeypatch.setattr(driver, "resume_application_mode", lambda: resumed.append(True))
    driver._sigcont_application(signal.SIGCONT, None)  # with a hang-up: nothing was suspended
    assert resumed == []
    driver._must_signal_resume = True  # what the SIGTSTP handler sets before stopping the process
    driver._sigcont_application(signal.SIGCONT, None)  # `fg`
    assert resumed == [True]
