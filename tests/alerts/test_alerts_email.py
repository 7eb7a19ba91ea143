"""E-mail alerts through the SMTP settings, against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from tests.alerts.conftest import target
from tests.reports.test_reports_delivery import Mailbox, free_port
from tests.support.processor_fakes import FakeRepository
from tui_analytics.config.settings import SmtpSettings


class FlakyMailbox(Mailbox):
    """Answers the first `busy` messages with a temporary failure (451), then takes them."""

    def __init__(self, busy: int = 0) -> None:
        super().__init__()
        self.busy = busy

    async def handle_DATA(self, server, session, envelope):
        if self.busy > 0:
            self.busy -= 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mail():
    mailbox = FlakyMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, SmtpSettings(url=f"smtp://alerts:smtp-pass-123@127.0.0.1:{port}", sender="alerts@example.com", timeout=5)
    finally:
        controller.stop()


def messages(mailbox):
    return [email.message_from_bytes(e.original_content, policy=policy.default) for e in mailbox.envelopes]


async def test_a_failed_job_is_mailed_once_and_its_recovery_once(make_services, mail, frozen_clock):
    mailbox, smtp = mail
    mailbox.busy = 1  # the first try is told to come back later: retried
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    ops = target("ops mail", email=("ops@example.com", "oncall@example.com"), on=frozenset({"job-failed", "recovered"}))
    # The server takes no AUTH without TLS: the URL's user and password are there to be kept secret.
    root = await make_services(
        ops, repository=repo, smtp=SmtpSettings(smtp.url.replace("alerts:smtp-pass-123@", ""), smtp.sender, smtp.timeout)
    )
    await root.processor.trigger_job("top-items")
    await root.processor.trigger_job("top-items")
    assert root.alerts.drain(10)
    repo.fail.clear()
    await root.processor.trigger_job("top-items")
    assert root.alerts.drain(10)
    got = messages(mailbox)
    subjects = [str(m["Subject"]).strip() for m in got]  # a long subject is folded onto its own line
    assert subjects == ["[tui-analytics] job top-items failed: RuntimeError: boom (on test-host)", subjects[1]]
    assert subjects[1].startswith("[tui-analytics] job top-items recovered after 2 failed runs")
    assert [e.rcpt_tos for e in mailbox.envelopes] == [["ops@example.com", "oncall@example.com"]] * 2
    body = got[0].get_content()
    assert "event: job-failed" in body and "job: top-items" in body and "error: RuntimeError: boom" in body
    first = [d for d in root.alerts.store.recent() if d.kind == "job-failed"][0]
    assert (first.status, first.attempts) == ("sent", 2)


async def test_a_mail_server_that_refuses_everyone_is_recorded_not_retried(make_services, mail, frozen_clock, waits):
    mailbox, smtp = mail
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    bad = target("bad mail", email=("bad@example.com",))
    root = await make_services(
        bad, repository=repo, smtp=SmtpSettings(smtp.url.replace("alerts:smtp-pass-123@", ""), smtp.sender, smtp.timeout)
    )
    await root.processor.trigger_job("top-items")
    assert root.alerts.drain(10)
    delivery = root.alerts.last_alert().deliveries[0]
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 1, "every address was refused")
    assert waits.delays == [] and mailbox.envelopes == []


async def test_an_email_target_without_smtp_settings_is_accepted_and_its_deliveries_say_why(make_services, frozen_clock, waits):
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    root = await make_services(target("ops mail", email=("ops@example.com",)), repository=repo)
    assert root.settings.smtp is None
    await root.processor.trigger_job("top-items")
    assert root.alerts.drain(10)
    delivery = root.alerts.last_alert().deliveries[0]
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 1, "no SMTP server configured (smtp_url)")
    assert waits.delays == []


async def test_the_smtp_password_is_in_no_alert_row_or_log(make_services, mail, frozen_clock, caplog):
    """The server wants no AUTH, so login fails; the error and the log name no password."""
    mailbox, smtp = mail
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("could not log in as alerts:smtp-pass-123")
    root = await make_services(target("ops mail", email=("ops@example.com",), attempts=2), repository=repo, smtp=smtp)
    await root.processor.trigger_job("top-items")
    assert root.alerts.drain(10)
    delivery = root.alerts.last_alert().deliveries[0]
    assert delivery.status == "failed"
    stored = repr(root.alerts.store.recent()) + repr(root.alerts.store.open_incidents())
    assert "smtp-pass-123" not in stored
    assert "smtp-pass-123" not in caplog.text
