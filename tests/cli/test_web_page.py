"""`tui-analytics web`'s page asks nothing of another site (no web font) and has its icon."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.cli.test_web import _start_web
from tests.support.browser import browser, wait_for_text, why_no_browser


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@pytest.mark.slow
def test_the_page_loads_nothing_from_another_site_and_serves_its_icon(data_dir) -> None:
    web, url = _start_web(data_dir)
    try:
        status, _, page = _get(url)
        assert status == 200
        html = page.decode()
        assert "googleapis" not in html
        linked = re.findall(r'(?:href|src)="(https?://[^"]*)"', html)
        assert all(link.startswith(url) for link in linked), linked  # stylesheets, scripts, icons: this server's
        assert '<link rel="icon" href="/favicon.ico"' in html
        status, kind, icon = _get(url + "favicon.ico")
        assert status == 200 and kind == "image/x-icon" and icon[:4] == b"\x00\x00\x01\x00"  # an ICO file
    finally:
        web.stop()
        web.close()


@pytest.mark.slow
def test_offline_the_terminal_font_is_a_local_one(data_dir) -> None:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    web, url = _start_web(data_dir)
    try:
        with browser() as driver:
            driver.get(url)
            wait_for_text(driver, lambda t: "1 Jobs" in t and "q Quit" in t, what="the dashboard")
            fonts = driver.execute_script("return Array.from(document.fonts).map(f => [f.family, f.status])")
            assert ["Roboto Mono", "loaded"] in fonts, fonts  # the name textual.js asks for, from this machine
            fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            assert fetched and all(name.startswith(url) for name in fetched), fetched
    finally:
        web.stop()
        web.close()
