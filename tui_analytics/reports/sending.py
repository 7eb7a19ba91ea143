"""Sending one report to every destination of its template: e-mail (a text part, an HTML part and
the file) and notification URLs (the digest in the chat's format, the file where it is taken).

Blocking (SMTP and HTTP): call from a worker thread. Each destination's outcome is kept on its
own, so one that refuses fails only itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from pathlib import Path

from tui_analytics.config.settings import SmtpSettings
from tui_analytics.export.render import Sections
from tui_analytics.reports.delivery import DeliveryResult, combined, send_report
from tui_analytics.reports.destinations import ChatMessage, send_to_urls, split_destinations
from tui_analytics.reports.digest import (
    CHAT_ROWS,
    ReportDigest,
    as_html,
    as_markdown,
    as_text,
    build_digest,
    code_span,
    escape_markdown,
)
from tui_analytics.reports.models import ReportTemplate

MB = 1024 * 1024


def _size(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size / 1024:,.1f} KB"


def deliver_report(
    smtp: SmtpSettings | None,
    template: ReportTemplate,
    path: Path,
    content_type: str,
    period: str,
    tz: tzinfo,
    sections: Sections,
) -> DeliveryResult:
    """Mail and post the saved report `path` (period: '2026-01-05 to 2026-01-11')."""
    size = path.stat().st_size
    cap = template.max_attachment_mb
    attach = cap is None or size <= cap * MB
    where = (
        f"File: {path.name} ({_size(size)}), attached."
        if attach
        else (
            f"The report is {size / MB:,.1f} MB, over this template's {cap:g} MB limit for attachments, so it is "
            f"not attached. It was saved as: {path}"
        )
    )
    digest = build_digest(sections, title=template.name, description=template.description, period=f"{period} ({tz})")
    return _send(
        smtp,
        template,
        digest,
        subject=f"{template.name}: {period}",
        where=where,
        attachment=(path, content_type) if attach else None,
        unattached=f"File: {path.name} ({_size(size)}), saved as {path}",
        note=None if attach else f"not attached: {size / MB:,.1f} MB is over {cap:g} MB; the path was sent",
    )


def _send(
    smtp: SmtpSettings | None,
    template: ReportTemplate,
    digest: ReportDigest,
    *,
    subject: str,
    where: str,
    attachment: tuple[Path, str] | None,
    unattached: str,
    note: str | None = None,
) -> DeliveryResult:
    emails, urls = split_destinations(template.recipients)
    unattached_markdown = escape_markdown(unattached)
    if attachment is not None:  # names in code spans: a file name's "_" is not emphasis
        path = attachment[0]
        unattached_markdown = f"File: {code_span(path.name)} ({_size(path.stat().st_size)}), saved as {code_span(str(path))}"
    mail = send_report(
        smtp,
        emails,
        subject=subject,
        body=as_text(digest, file_line=where) + "\n-- tui-analytics\n",
        html=as_html(digest, file_line=where),
        attachment=attachment[0] if attachment else None,
        content_type=attachment[1] if attachment else "",
        note=note,
    )
    chat = ChatMessage(
        title=subject,
        markdown=as_markdown(digest, CHAT_ROWS),
        text=as_text(digest, CHAT_ROWS),
        attachment=attachment[0] if attachment else None,
        note_text=unattached,
        note_markdown=unattached_markdown,
    )
    return combined(mail, send_to_urls(urls, chat))


SAMPLE_ROWS: tuple[Mapping[str, object], ...] = (
    {"date": "2026-01-05", "activities": 120, "activeUsers": 40},
    {"date": "2026-01-06", "activities": 90, "activeUsers": 35},
    {"date": "2026-01-07", "activities": 150, "activeUsers": 52},
)


def deliver_sample(smtp: SmtpSettings | None, template: ReportTemplate, when: datetime) -> DeliveryResult:
    """A sample message (made-up figures, no file) to every destination of `template`: to check
    the addresses and URLs work before the first report is due."""
    sections: Sections = {"activityTrends": [dict(row) for row in SAMPLE_ROWS]}
    digest = build_digest(
        sections,
        title=f"{template.name} (test message)",
        description="A test of this template's destinations: the figures are made up.",
        period=when.strftime("%Y-%m-%d %H:%M %Z"),
    )
    line = "A real report comes with its file attached, or its path and size where a service takes no files."
    return _send(smtp, template, digest, subject=f"Test: {template.name}", where=line, attachment=None, unattached=line)
