"""`[[alerts]]` targets whose url is a notification URL (slack://, json://, ...), sent through
apprise: read from the file, named masked, delivered, and a refusing one retried then failed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.alerts.test_alerts_config import settings_from
from tests.reports.receivers import Receiver
from tui_analytics.alerts.models import Alert
from tui_analytics.alerts.senders import deliver
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.runtime.redact import mask_destination

ALERT = Alert(
    id="a1",
    kind="job-failed",
    subject="job:top-items",
    name="top-items",
    at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    text="top-items failed: <script> [bold]database is down[/]",
)


def test_a_notification_url_target_is_read_named_masked_and_delivered(tmp_path):
    with Receiver() as http:
        url = f"json://127.0.0.1:{http.port}/hook?token=alert-s3cr3t"
        settings = settings_from(tmp_path, f'[[alerts]]\nurl = "{url}"\non = ["job-failed", "recovered"]\n')
        (target,) = settings.alerts
        assert target.kind == "notify" and target.name == target.where == mask_destination(url)
        assert "alert-s3cr3t" not in repr(target)
        outcome = deliver(target, ALERT, None, wait=lambda s: False)
        assert outcome.status == "sent" and outcome.attempts == 1
        (received,) = http.on("/hook")
        body = received.json()
        assert isinstance(body, dict)
        assert body["title"] == "tui-analytics: top-items" and body["message"] == ALERT.text and body["type"] == "failure"


def test_a_refusing_notification_target_is_retried_then_failed(tmp_path):
    with Receiver() as http:
        url = f"json://127.0.0.1:{http.port}/refuse"
        (target,) = settings_from(tmp_path, f'[[alerts]]\nurl = "{url}"\non = ["job-failed"]\nattempts = 2\n').alerts
        delays: list[float] = []

        def wait(seconds: float) -> bool:
            delays.append(seconds)
            return False

        outcome = deliver(target, ALERT, None, wait=wait)
        assert outcome.status == "failed" and outcome.attempts == 2 and len(delays) == 1
        assert outcome.error is not None and outcome.error.startswith(mask_destination(url))
        assert len(http.on("/refuse")) == 2


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'url = "nonsense://tok-s3cr3t/x"',
            r"alerts\[1\]\.url must start with http.* URL: nonsense://\*\*\*~[0-9a-f]{6}: not a notification URL",
        ),
        ('url = "msteams://a/tok-s3cr3t/c"', r"use workflows://"),
        ('url = "json://127.0.0.1/tok-s3cr3t"\nslack = true', r"alerts\[1\]\.slack .* not to a notification URL"),
    ],
)
def test_a_bad_notification_target_is_one_masked_line(tmp_path, entry, message):
    with pytest.raises(ConfigError, match=message) as info:
        settings_from(tmp_path, f'[[alerts]]\n{entry}\non = ["job-failed"]\n')
    assert "\n" not in str(info.value) and "tok-s3cr3t" not in str(info.value)
