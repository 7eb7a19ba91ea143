"""The report mail people read: a text part and an HTML part (multipart/alternative), then the file.

The HTML part is opened in headless chromium and checked by what the page holds: the table's
cells, the bars, no script element, nothing fetched, no http(s) reference; a source item named
`<script>` or with Rich markup arrives as text. Skipped, with the reason, without chromium.
"""

from __future__ import annotations

import email
import sqlite3
from email import policy
from pathlib import Path

import pytest

from tests.reports.receivers import part
from tests.reports.test_reports_delivery import service_with_smtp, smtp_server  # noqa: F401 - a fixture
from tests.support.browser import why_no_browser
from tui_analytics.reports.digest import FIRST_ROWS, as_html, build_digest
from tui_analytics.runtime.daterange import DateRange

HOSTILE = "<script>alert('x')</script>[bold red]boom[/] <img src=http://example.com/p.png>"


def hostile_item(settings) -> None:
    """Name the most interacted-with item of the demo data as an attacker would."""
    path = Path(settings.source_url.split(":///", 1)[1])
    with sqlite3.connect(path) as db:
        (item,) = db.execute("SELECT item_id FROM activities GROUP BY item_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
        db.execute("UPDATE items SET name = ? WHERE id = ?", (HOSTILE, item))


async def mailed_report(settings, clock, port: int, mailbox) -> email.message.EmailMessage:
    hostile_item(settings)
    service = service_with_smtp(settings, clock, port)
    template = service.create_report_template(
        name="Top items <b>bold</b>",
        description="What people used [italic]most[/]",
        schedule="weekly",
        format="csv",
        datasets=["summary", "top-items"],
        recipients=["ops@example.com"],
    )
    start = clock.now().replace(day=1, hour=0, minute=0)
    await service.generate_report(template.id, DateRange(start, clock.now()))
    message = email.message_from_bytes(mailbox.envelopes[-1].content, policy=policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


async def test_the_mail_has_text_and_html_alternatives_then_the_file(settings, frozen_clock, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    message = await mailed_report(settings, frozen_clock, port, mailbox)
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    plain = part(message, "plain")
    assert HOSTILE in plain  # the plain part is text: shown as it is, never run
    assert "totalUsers" in plain and "interactions" in plain and "Period: 2026-01-01 to 2026-01-15 (UTC)" in plain
    html = part(message, "html")
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<img" not in html and "http://" not in html.replace("http://example.com/p.png&gt;", "")
    assert "Top items &lt;b&gt;bold&lt;/b&gt;" in html
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1 and str(attachments[0].get_filename()).endswith(".csv")


def test_the_table_stops_at_the_first_rows():
    rows = [{"date": f"2026-01-{n:02d}", "activities": n} for n in range(1, 31)]
    digest = build_digest({"activityTrends": rows}, title="t", description="", period="p")
    html = as_html(digest)
    assert html.split('class="rows"', 1)[1].count("<tr>") == FIRST_ROWS + 1  # the header row and the first rows
    assert f"({FIRST_ROWS} of 30 rows; the file has them all)" in html
    assert "width:120px" in html  # the largest value's bar is the full width


@pytest.mark.slow
async def test_the_html_part_renders_in_chromium_with_nothing_fetched(settings, frozen_clock, smtp_server, tmp_path):  # noqa: F811
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    from tests.support.browser import browser

    mailbox, port = smtp_server
    message = await mailed_report(settings, frozen_clock, port, mailbox)
    page = tmp_path / "mail.html"
    page.write_text(part(message, "html"), encoding="utf-8")
    with browser(900, 1400) as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.get(page.as_uri())
        cells = [c.text for c in driver.find_elements("css selector", "table.rows td")]
        headers = [c.text for c in driver.find_elements("css selector", "table.rows th")]
        headline = driver.find_element("css selector", "table.headline").text
        scripts = driver.execute_script("return document.querySelectorAll('script, img, iframe, object, link').length")
        references = driver.execute_script(
            "return [...document.querySelectorAll('[src],[href],[background]')].map(e => e.outerHTML)"
        )
        fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        alerts = driver.execute_script("return typeof window.__alerted")
        bars = driver.execute_script(
            "return [...document.querySelectorAll('table.rows td span')].map(s => s.getBoundingClientRect().width)"
        )
        driver.save_screenshot(str(tmp_path / "mail.png"))
    assert headers == ["rank", "itemId", "name", "category", "interactions", "uniqueUsers"]
    assert HOSTILE in cells  # the hostile name is a cell's text, escaped, not markup
    assert "1" in cells and "totalUsers" in headline
    assert scripts == 0 and references == [] and fetched == [] and alerts == "undefined"
    assert bars and max(bars) == 120 and all(0 < b <= 120 for b in bars)
    assert (tmp_path / "mail.png").stat().st_size > 10_000
