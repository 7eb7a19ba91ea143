"""A real headless browser on `tui-analytics web` (no tests here): Debian's chromium driven by
Selenium through /usr/bin/chromedriver. Nothing is downloaded: without those two files the
browser tests skip.

    python -m tests.support.browser URL OUT.png   # a screenshot of the dashboard in the browser

The terminal in the page is xterm.js drawing on a canvas, so its text is not in the DOM. A
script installed before the page's own catches each xterm `Terminal` as it is built (the
moment it sets its `_core`), and `terminal_text()` reads the terminal's buffer through
xterm's public API: the characters the browser shows, row by row.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 300.0  # a hang guard (a dashboard's first start, on a machine under heavy load), not a speed check


def why_no_browser() -> str | None:
    """None when the browser test can run, else why not (one line, for pytest.skip)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        return f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver): no browser to test in"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


CATCH_TERMINALS = """
window.__terminals = [];
Object.defineProperty(Object.prototype, '_core', {configurable: true, set(value) {
  Object.defineProperty(this, '_core', {value, writable: true, configurable: true, enumerable: true});
  if (typeof this.loadAddon === 'function') window.__terminals.push(this);
}});
"""

READ_TERMINAL = """
const terminal = window.__terminals && window.__terminals[0];
if (!terminal) return '';
const buffer = terminal.buffer.active, rows = [];
for (let y = 0; y < buffer.length; y++) { const line = buffer.getLine(y); if (line) rows.push(line.translateToString(true)); }
return rows.join('\\n');
"""


@contextlib.contextmanager
def browser(width: int = 1280, height: int = 800) -> Iterator[Any]:
    """A headless chromium (Selenium WebDriver) that catches the page's terminals; quit afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINALS})
        yield driver
    finally:
        driver.quit()


def terminal_text(driver: Any) -> str:
    """What the page's terminal shows, one line per row ('' before it exists)."""
    return str(driver.execute_script(READ_TERMINAL) or "")


def wait_for_text(driver: Any, check: Callable[[str], bool], timeout: float = WAIT, what: str = "") -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = terminal_text(driver)
        if check(text):
            return text
        time.sleep(0.25)
    raise AssertionError(f"the browser never showed {what or check}; it shows:\n{text}")


def main(url: str, out: str) -> None:
    with browser() as driver:
        driver.get(url)
        # the whole dashboard: every warm-up job has run and the reports are listed
        wait_for_text(driver, lambda text: text.count("✓ completed") >= 5 and "Daily Activity" in text, what="a filled dashboard")
        time.sleep(1.0)  # let the last frame reach the canvas (a picture, not a test)
        driver.save_screenshot(out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
