"""`web` behind its login, in a real headless browser (chromium through chromedriver): no
credentials, no dashboard; a viewer's dashboard refuses every changing key; an operator runs a job
and the audit log names them.

Skipped, with the reason, where chromium or chromedriver is not installed (.ci/run installs them).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.support.browser import WAIT as FIRST_START
from tests.support.browser import browser, terminal_text, wait_for_text, why_no_browser
from tests.support.serving import Serve, free_port
from tests.support.waiting import poll_until

# Cheap parameters: the test checks the login, not argon2's cost.
HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
# key -> what the refusal names (keys.py's descriptions)
CHANGING_KEYS = {
    "t": "Run (t)",
    "c": "Clear (c)",
    "i": "Invalidate (i)",
    "p": "Pause (p)",
    "z": "Pause job (z)",
    "s": "Interval (s)",
    "e": "Export (e)",
    "n": "New (n)",
    "d": "Delete (d)",
    "g": "Generate (g)",
}


def write_users(data_dir: Path) -> Path:
    config = data_dir / "config.toml"
    config.write_text(
        "[web.users]\n"
        f'alice = {{ password = "{HASHER.hash("alice-secret")}", role = "operator" }}\n'
        f'bob = {{ password = "{HASHER.hash("bob-secret")}", role = "viewer" }}\n'
    )
    return config


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def audit_rows(data_dir: Path) -> list[tuple[str, ...]]:
    path = data_dir / "state.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        return db.execute("SELECT user, face, action, target, outcome, host, pid FROM audit_log ORDER BY id").fetchall()


def log_in(driver, url: str, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(url)
    driver.find_element(By.NAME, "user").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def shows(text: str) -> Callable[[str], bool]:
    return lambda screen: text in screen


def press(driver, key: str) -> None:
    """A key typed into the page's terminal (xterm's hidden textarea takes the keyboard)."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea").send_keys(key)


@pytest.mark.slow
def test_login_then_a_viewer_looks_and_an_operator_acts(data_dir) -> None:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    config = write_users(data_dir)
    port = free_port()
    web = Serve(data_dir, "--port", str(port), "--schedule", env={"TUI_ANALYTICS_CONFIG": str(config)}, command="web")
    url = f"http://127.0.0.1:{port}/"
    try:
        poll_until(lambda: _answers(url) or web.proc.poll() is not None, timeout=FIRST_START)
        assert web.proc.poll() is None, web.drain()
        with browser() as driver:
            from selenium.webdriver.common.by import By

            # No credentials: the login form, no terminal, no dashboard process.
            driver.get(url)
            assert driver.find_element(By.ID, "login").is_displayed()
            time.sleep(1.0)
            assert terminal_text(driver) == ""
            assert driver.execute_script("return window.__terminals.length") == 0
            # A wrong password: the form again.
            log_in(driver, url, "bob", "wrong")
            assert "Wrong user name or password" in driver.page_source

            # The viewer: the dashboard, and every changing key refuses in one line.
            log_in(driver, url, "bob", "bob-secret")
            wait_for_text(driver, lambda t: "1 Jobs" in t and "q Quit" in t, what="the viewer's dashboard")
            assert "c Clear" not in terminal_text(driver)  # the footer shows only what works
            for key, named in CHANGING_KEYS.items():
                press(driver, key)
                # the toast may wrap its line, but not inside "Run (t)"'s last word
                wait_for_text(driver, shows(f"({key})"), what=f"{named} refused")
            assert "Read-only mode (viewer bob)" in terminal_text(driver)

            # The operator: runs a job.
            log_in(driver, url, "alice", "alice-secret")
            wait_for_text(driver, lambda t: t.count("✓ completed") >= 5, what="the operator's dashboard, warmed up")
            press(driver, "t")
            wait_for_text(driver, lambda t: "Job finished" in t, what="the operator's run")
        code, log = web.stop()
    finally:
        web.close()
    assert code == 0, log
    rows = audit_rows(data_dir)
    runs = [row for row in rows if row[2] == "job.run"]
    assert len(runs) == 1, rows
    user, face, _action, target, outcome, host, pid = runs[0]
    assert (user, face, target, outcome) == ("alice", "web", "user-growth", "ok")
    assert host and int(pid) > 0
    assert not [row for row in rows if row[0] == "bob"]  # the viewer changed nothing
    assert "bob logged in (viewer)" in log and "alice logged in (operator)" in log
