"""`tui-analytics web`: the dashboard in a real headless browser (chromium through chromedriver).

Skipped, with the reason, where chromium or chromedriver is not installed (.ci/run installs them).
"""

from __future__ import annotations

import os
import time
import urllib.request

import pytest

from tests.support.browser import WAIT as FIRST_START
from tests.support.browser import browser, terminal_text, wait_for_text, why_no_browser
from tests.support.serving import WAIT, Serve, free_port, job_statuses
from tests.support.waiting import poll_until
from tui_analytics.data.state.locking import SchedulerLock


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _start_web(data_dir, *args: str) -> tuple[Serve, str]:
    port = free_port()
    web = Serve(data_dir, "--port", str(port), "--no-auth", *args, command="web")
    url = f"http://127.0.0.1:{port}/"
    poll_until(lambda: _answers(url) or web.proc.poll() is not None, timeout=FIRST_START)
    assert web.proc.poll() is None, web.proc.communicate()
    return web, url


@pytest.mark.slow
def test_the_dashboard_shows_in_a_browser(data_dir) -> None:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    web, url = _start_web(data_dir)
    try:
        with browser() as driver:
            driver.get(url)
            # the panes and the footer's keys can come a frame after the first: wait for all of them
            wait_for_text(
                driver,
                lambda t: all(part in t for part in ("tui-analytics", "1 Jobs", "2 Metrics", "q Quit")),
                what="the panes and the keys",
            )
            # a browser tab does not take the scheduler: its dashboard attaches (here to nobody yet)
            wait_for_text(driver, lambda t: "attached to" in t, what="the dashboard attached")
            time.sleep(2 * SchedulerLock.takeover_interval)  # its look for a free lock has come round
            assert job_statuses(data_dir)["scheduler"]["holder"] is None
            assert "✓ completed" not in terminal_text(driver)  # nothing ran
            # stopped while the tab is still open: the session's dashboard is told to quit first
            code, log = web.stop()
    finally:
        web.close()
    assert code == 0, log
    assert "Traceback" not in log
    assert f"serving the dashboard on {url.rstrip('/')} with --no-auth" in log
    assert "closing 1 open session(s)" in log and "session closed" in log


@pytest.mark.slow
def test_a_browser_dashboard_attaches_to_serve_and_does_not_take_over_when_it_stops(data_dir) -> None:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    serve = Serve(data_dir)
    web = None
    try:
        serve.wait_until_warmed()
        web, url = _start_web(data_dir)
        with browser() as driver:
            driver.get(url)
            header = f"attached to serve on {os.uname().nodename} (pid {serve.proc.pid})"
            wait_for_text(driver, lambda t: header in t and "✓ completed" in t, what="the dashboard attached to serve")
            code, log = serve.stop()
            assert code == 0, log
            time.sleep(2 * SchedulerLock.takeover_interval)  # a terminal dashboard would have taken over by now
            assert job_statuses(data_dir)["scheduler"]["holder"] is None
            assert "Scheduler taken over" not in terminal_text(driver)
        code, log = web.stop()
    finally:
        serve.close()
        if web is not None:
            web.close()
    assert code == 0, log


@pytest.mark.slow
def test_with_schedule_the_browser_dashboard_schedules(data_dir) -> None:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    web, url = _start_web(data_dir, "--schedule")
    try:
        with browser() as driver:
            driver.get(url)
            # the browser's dashboard runs the jobs: a warm-up run shows as completed in the browser
            wait_for_text(driver, lambda t: "top-items" in t and "✓ completed" in t, what="a completed job")
            holder = job_statuses(data_dir)["scheduler"]["holder"]
            assert holder is not None and holder["program"] == "dashboard"
            code, log = web.stop()
    finally:
        web.close()
    assert code == 0, log
    assert "closing 1 open session(s)" in log and "session closed" in log
    assert job_statuses(data_dir)["scheduler"]["holder"] is None  # that dashboard quit and gave the lock back


def test_web_refuses_a_public_url_without_a_scheme(capsys) -> None:
    from tui_analytics.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["web", "--public-url", "analytics.example.com"])
    assert exited.value.code == 2  # a usage error
    assert "argument --public-url: must start with http:// or https://, got 'analytics.example.com'" in capsys.readouterr().err


def test_web_on_a_port_in_use_is_one_line_and_exit_1(capsys) -> None:
    import socket

    from tui_analytics.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["web", "--port", str(port)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"tui-analytics: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


@pytest.mark.slow
def test_behind_a_proxy_the_page_uses_the_public_url(data_dir) -> None:
    port = free_port()
    web = Serve(data_dir, "--port", str(port), "--no-auth", "--public-url", "https://analytics.example.com/", command="web")
    url = f"http://127.0.0.1:{port}/"
    try:
        poll_until(lambda: _answers(url) or web.proc.poll() is not None, timeout=WAIT)
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode()
        code, log = web.stop()
    finally:
        web.close()
    # the browser opens its terminal's WebSocket and loads the assets through the proxy, over TLS
    assert 'data-session-websocket-url="wss://analytics.example.com/ws"' in page
    assert 'src="https://analytics.example.com/static/js/textual.js"' in page
    assert code == 0 and "serving the dashboard on https://analytics.example.com with --no-auth" in log
