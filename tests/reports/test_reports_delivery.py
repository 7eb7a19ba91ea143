"""E-mail delivery against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import socket
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from tui_analytics.config.settings import SmtpSettings
from tui_analytics.data.smtp import parse_smtp_url
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports.delivery import send_report
from tui_analytics.runtime.event_types import ReportFinished
from tui_analytics.runtime.events import EventBus, ServiceEvent


class Mailbox:
    """An SMTP handler that keeps what it receives and refuses addresses starting with 'bad'."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bad"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def service_with_smtp(settings, clock, port, bus=None):
    smtp = SmtpSettings(url=f"smtp://127.0.0.1:{port}", sender="reports@example.com", timeout=5)
    return AnalyticsScheduledReportsService(replace(settings, smtp=smtp), clock=clock, bus=bus or EventBus(), auto_start=False)


async def test_report_is_mailed_with_its_file_and_each_recipient_recorded(settings, frozen_clock, smtp_server):
    mailbox, port = smtp_server
    bus = EventBus()
    events: list[ServiceEvent] = []
    bus.subscribe(events.append)
    service = service_with_smtp(settings, frozen_clock, port, bus)
    service.update_report_template("weekly-user-growth", recipients=["ops@example.com", "bad@example.com", "team@example.com"])
    report = await service.generate_report("weekly-user-growth")
    assert report.delivery["status"] == "partial"
    assert report.delivery["recipients"] == {
        "ops@example.com": "sent",
        "bad@example.com": "refused: 550 5.1.1 no such mailbox",
        "team@example.com": "sent",
    }
    assert len(mailbox.envelopes) == 1
    envelope = mailbox.envelopes[0]
    assert envelope.mail_from == "reports@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "team@example.com"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["Subject"] == "Weekly User Growth Report: 2026-01-05 to 2026-01-11"
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [report.filename]
    assert attachments[0].get_content_type() == "text/csv"
    assert attachments[0].get_payload(decode=True) == Path(report.path).read_bytes()

    row = service.get_scheduled_reports()[0]
    assert (row.status, row.delivery_status) == ("completed", "partial")
    assert row.delivery["bad@example.com"].startswith("refused: 550")
    finished = [e for e in events if isinstance(e, ReportFinished)]
    assert finished[-1].delivery == "partial"


async def test_smtp_failure_marks_delivery_failed_and_keeps_the_report(settings, frozen_clock):
    port = free_port()  # nothing listens there
    service = service_with_smtp(settings, frozen_clock, port)
    service.update_report_template("daily-activity-summary", recipients=["ops@example.com"])
    report = await service.generate_report("daily-activity-summary")
    assert Path(report.path).exists()
    assert report.delivery["status"] == "failed"
    assert report.delivery["recipients"]["ops@example.com"].startswith("failed: ConnectionRefusedError")
    row = service.get_scheduled_reports()[0]
    assert (row.status, row.delivery_status) == ("completed", "failed")
    stats = service.get_report_statistics()
    assert (stats.successful_reports, stats.failed_reports) == (1, 0)


async def test_every_recipient_refused_is_a_failed_delivery(settings, frozen_clock, smtp_server):
    mailbox, port = smtp_server
    service = service_with_smtp(settings, frozen_clock, port)
    service.update_report_template("daily-activity-summary", recipients=["bad@example.com"])
    report = await service.generate_report("daily-activity-summary")
    assert report.delivery["status"] == "failed"
    assert mailbox.envelopes == []


async def test_without_smtp_settings_the_history_says_not_sent(settings, frozen_clock):
    service = AnalyticsScheduledReportsService(settings, clock=frozen_clock, bus=EventBus(), auto_start=False)
    service.update_report_template("daily-activity-summary", recipients=["ops@example.com"])
    report = await service.generate_report("daily-activity-summary")
    row = service.get_scheduled_reports()[0]
    assert (row.status, row.delivery_status) == ("completed", "not-sent")
    assert row.delivery == {"ops@example.com": "not sent: no SMTP server configured"}
    assert Path(report.path).exists()


def test_smtp_url_parsing_and_no_password_in_outcomes(tmp_path):
    target = parse_smtp_url("smtp://user%40x:p%40ss@mail.example.com:587?starttls=true")
    assert (target.host, target.port, target.starttls, target.use_ssl) == ("mail.example.com", 587, True, False)
    assert (target.username, target.password) == ("user@x", "p@ss")
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    attachment = tmp_path / "r.csv"
    attachment.write_text("a\r\n1\r\n")
    port = free_port()
    smtp = SmtpSettings(url=f"smtp://me:s3cret@127.0.0.1:{port}", sender="r@example.com", timeout=2)
    result = send_report(smtp, ["ops@example.com"], subject="s", body="b", attachment=attachment, content_type="text/csv")
    assert result.status == "failed"
    assert "s3cret" not in repr(result.to_dict())
