"""One template, four destinations: an e-mail to a loopback SMTP server, Slack, Teams (a Power
Automate workflow, what Teams webhooks are now) and a plain JSON webhook, all through apprise to
loopback servers; each server's copy is read back, and one that refuses fails only itself.

Slack's webhook host is fixed in apprise (hooks.slack.com), so the Slack test points apprise's own
`NotifySlack.webhook_url` at the loopback server: the message is apprise's real Slack payload, only
the host differs. Teams' workflows:// takes a host and port, so it reaches a loopback HTTPS server
as configured (with `verify=no`: the certificate is self-signed).
"""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest

from tests.reports.receivers import Receiver, part
from tests.reports.test_reports_delivery import service_with_smtp, smtp_server  # noqa: F401 - a fixture
from tui_analytics.runtime.errors import TemplateValidationError
from tui_analytics.runtime.redact import mask_destination, redact

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from apprise.plugins.slack import NotifySlack

    tls = tmp_path / "tls"
    tls.mkdir()
    with Receiver() as http, Receiver(tls_dir=tls) as https:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{http.port}/services")
        yield http, https


def destinations(http: Receiver, https: Receiver, *, refuse_json: bool = False) -> dict[str, str]:
    hook = "refuse" if refuse_json else "hook"
    return {
        "email": "ops@example.com",
        "slack": SLACK,
        "teams": f"workflows://127.0.0.1:{https.port}/wf01/sig0123456789?verify=no",
        "json": f"json://127.0.0.1:{http.port}/{hook}?token=s3cr3t-hook",
    }


async def test_a_report_reaches_every_destination_in_its_own_format(settings, frozen_clock, smtp_server, servers, tmp_path):  # noqa: F811
    mailbox, port = smtp_server
    http, https = servers
    urls = destinations(http, https)
    service = service_with_smtp(settings, frozen_clock, port)
    service.update_report_template("daily-activity-summary", recipients=list(urls.values()))
    report = await service.generate_report("daily-activity-summary")

    masked = {kind: mask_destination(url) for kind, url in urls.items()}
    assert report.delivery["status"] == "sent", report.delivery
    assert report.delivery["recipients"] == {masked[k]: "sent" for k in urls}
    assert masked["slack"].startswith("slack://***~") and masked["email"] == "ops@example.com"

    # E-mail: text and HTML alternatives, then the file.
    message = email.message_from_bytes(mailbox.envelopes[0].content, policy=policy.default)
    plain = part(message, "plain")
    html = part(message, "html")
    assert "Period:" in plain and "activityTrends" in plain
    assert "<table" in html and "<script" not in html.lower()
    assert [part.get_filename() for part in message.iter_attachments()] == [Path(report.path).name]

    # Slack (webhook): apprise's Slack payload with the digest, the file named (webhooks take no files).
    slack = http.on("/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7")
    assert len(slack) == 1
    slack_text = json.dumps(slack[0].json())
    assert "Period:" in slack_text and "activities" in slack_text and Path(report.path).name in slack_text

    # Teams (workflow): an adaptive card holding the digest, the file named.
    teams = https.on("/workflows/wf01/triggers/manual/paths/invoke")
    assert len(teams) == 1
    card = json.dumps(teams[0].json())
    assert "AdaptiveCard" in card and "Period:" in card and Path(report.path).name in card

    # JSON webhook: title, the plain body, and the file itself attached.
    hook = http.on("/hook")
    assert len(hook) == 1
    body = hook[0].json()
    assert isinstance(body, dict) and body["title"].startswith("Daily Activity Summary")
    assert body["attachments"][0]["filename"] == Path(report.path).name

    (tmp_path / "received.json").write_text(
        json.dumps(
            {"email": plain, "slack": slack[0].json(), "teams": teams[0].json(), "json": {**body, "attachments": "..."}}, indent=1
        )
    )

    # The history keeps each outcome under the masked name; no URL's secret is in it anywhere.
    row = service.get_scheduled_reports()[0]
    stored = json.dumps(row.to_dict())
    assert row.delivery_status == "sent"
    for url in urls.values():
        if "://" in url:
            assert url.split("://", 1)[1] not in stored
    assert "s3cr3t-hook" not in redact(f"posting to {urls['json']}")


async def test_one_refusing_destination_fails_only_itself(settings, frozen_clock, smtp_server, servers):  # noqa: F811
    mailbox, port = smtp_server
    http, https = servers
    urls = destinations(http, https, refuse_json=True)
    service = service_with_smtp(settings, frozen_clock, port)
    service.update_report_template("daily-activity-summary", recipients=list(urls.values()))
    report = await service.generate_report("daily-activity-summary")

    outcome = report.delivery["recipients"]
    assert report.delivery["status"] == "partial"
    assert outcome[mask_destination(urls["json"])].startswith("failed:")
    assert {k: v for k, v in outcome.items() if k != mask_destination(urls["json"])} == {
        mask_destination(urls[k]): "sent" for k in ("email", "slack", "teams")
    }
    assert len(mailbox.envelopes) == 1 and len(http.on("/services")) == 1 and len(https.requests) == 1
    assert len(http.on("/refuse")) >= 1  # it was tried


async def test_test_delivery_sends_a_sample_to_every_destination(settings, frozen_clock, smtp_server, servers):  # noqa: F811
    mailbox, port = smtp_server
    http, https = servers
    urls = destinations(http, https)
    service = service_with_smtp(settings, frozen_clock, port)
    service.update_report_template("weekly-user-growth", recipients=list(urls.values()))
    before = len(service.get_scheduled_reports())
    result = await service.test_delivery("weekly-user-growth")
    assert result.recipients == {mask_destination(u): "sent" for u in urls.values()}
    assert len(mailbox.envelopes) == 1 and len(http.requests) == 2 and len(https.requests) == 1
    assert "made up" in json.dumps(http.on("/hook")[0].json())
    assert len(service.get_scheduled_reports()) == before  # a test is not a report: no history row


def test_a_url_apprise_cannot_read_is_refused_in_one_masked_line(settings, frozen_clock):
    service = service_with_smtp(settings, frozen_clock, 25)
    before = service.get_report_template("weekly-user-growth").recipients
    for bad in ("nonsense://secret-token-123/x", "msteams://team/secret-token-456/b/c"):
        with pytest.raises(TemplateValidationError) as caught:
            service.update_report_template("weekly-user-growth", recipients=["ops@example.com", bad])
        text = str(caught.value)
        assert "\n" not in text and "secret-token" not in text and "://***~" in text
    assert "workflows://" in text  # the hint for Teams
    assert service.get_report_template("weekly-user-growth").recipients == before


def test_an_editor_that_sends_back_the_masked_form_keeps_the_url(settings, frozen_clock):
    service = service_with_smtp(settings, frozen_clock, 25)
    service.update_report_template("weekly-user-growth", recipients=["ops@example.com", SLACK])
    shown = service.get_report_template("weekly-user-growth").to_dict()["recipients"]
    assert shown == ["ops@example.com", mask_destination(SLACK)]
    assert isinstance(shown, list)
    service.update_report_template("weekly-user-growth", recipients=", ".join([*shown, "team@example.com"]))
    assert service.get_report_template("weekly-user-growth").recipients == ["ops@example.com", SLACK, "team@example.com"]


def test_the_cli_takes_urls_shows_them_masked_and_tests_every_destination(monkeypatch, data_dir, capsys, tmp_path):
    from tui_analytics.cli import main

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    with Receiver() as http:
        good = f"json://127.0.0.1:{http.port}/hook?token=cli-s3cr3t"
        bad = f"json://127.0.0.1:{http.port}/refuse/x"
        argv = ["report", "create", "--name", "Chat digest", "--schedule", "daily", "--destination", good]
        assert main([*argv, "--recipient", bad]) == 0
        out = capsys.readouterr().out
        assert "cli-s3cr3t" not in out
        listed = [t for t in json.loads(_run(capsys, main, "report", "list", "--json")) if t["name"] == "Chat digest"]
        assert listed[0]["recipients"] == [mask_destination(good), mask_destination(bad)]
        assert main(["report", "test-delivery", "Chat digest"]) == 1  # one refused
        lines = capsys.readouterr().out.splitlines()
        assert lines == [f"{mask_destination(good)}  sent", f"{mask_destination(bad)}  " + lines[1].split("  ", 1)[1]]
        assert "failed:" in lines[1] and len(http.on("/hook")) == 1
        assert main(["report", "update", "Chat digest", "--destination", "nonsense://cli-s3cr3t"]) != 0
        err = capsys.readouterr().err
        # (how much of the scheme shows depends on what else this process has registered as secret)
        assert len(err.strip().splitlines()) == 1 and "cli-s3cr3t" not in err and "***~" in err


def _run(capsys, main, *argv: str) -> str:
    assert main(list(argv)) == 0
    return str(capsys.readouterr().out)


def test_a_stalled_destination_is_bounded_by_the_timeout(monkeypatch):
    import threading

    from tui_analytics.data import notify
    from tui_analytics.reports import destinations as dest

    release = threading.Event()

    def stalled(url: str, message: dest.ChatMessage, timeout: float) -> str:
        if "stall" in url:
            release.wait(30)
        return dest.SENT

    monkeypatch.setattr(notify, "send_one", stalled)
    message = dest.ChatMessage(title="t", markdown="m", text="m")
    try:
        outcome = dest.send_to_urls(["json://127.0.0.1:9/stall", "json://127.0.0.1:9/ok"], message, timeout=0.2)
    finally:
        release.set()
    assert outcome == {
        mask_destination("json://127.0.0.1:9/stall"): "failed: no answer within 0.2 s",
        mask_destination("json://127.0.0.1:9/ok"): "sent",
    }


def test_chat_text_from_the_source_cannot_mention_link_or_break_the_table():
    from tui_analytics.reports.digest import as_markdown, build_digest

    rows = [{"rank": 1, "name": "@everyone <!channel> [x](http://evil) `code` *b*", "interactions": 3}]
    text = as_markdown(build_digest({"topItems": rows}, title="<!here> *T*", description="", period="p"))
    title = text.splitlines()[0]
    assert title == "**\\<!here\\> \\*T\\***"
    table = text.split("```")[1]
    assert "`" not in table and "@everyone" in table  # inside the code block nothing is acted on
    assert text.count("```") == 2


def test_a_registered_url_is_masked_in_a_service_log_line_naming_one_token():
    from tui_analytics.runtime.redact import register_destination

    url = "slack://T9ZZ3T3L2/A9BRTD4JD/Xx9ajkdnlazkcOXrIdevi7"
    register_destination(url)
    line = redact(
        f"Slack POST https://hooks.slack.com/services/T9ZZ3T3L2/A9BRTD4JD/Xx9ajkdnlazkcOXrIdevi7 and Xx9ajkdnlazkcOXrIdevi7 ({url})"
    )
    assert "Xx9ajkdnlazkcOXrIdevi7" not in line and "T9ZZ3T3L2/A9BRTD4JD" not in line


async def test_an_xlsx_report_is_attached_whole_by_mail_and_by_webhook(settings, frozen_clock, smtp_server, servers):  # noqa: F811
    import base64

    mailbox, port = smtp_server
    http, _https = servers
    url = f"json://127.0.0.1:{http.port}/hook"
    service = service_with_smtp(settings, frozen_clock, port)
    service.update_report_template("weekly-user-growth", format="xlsx", recipients=["ops@example.com", url])
    report = await service.generate_report("weekly-user-growth")
    assert report.delivery["status"] == "sent", report.delivery
    saved = Path(report.path).read_bytes()
    message = email.message_from_bytes(mailbox.envelopes[0].content, policy=policy.default)
    (attached,) = [p for p in message.walk() if p.get_filename()]
    assert attached.get_payload(decode=True) == saved
    (hook,) = http.on("/hook")
    body = hook.json()
    assert isinstance(body, dict) and base64.b64decode(body["attachments"][0]["base64"]) == saved
