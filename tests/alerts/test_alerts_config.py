"""`[[alerts]]` in the TOML file: the documented example reads, every mistake is one line naming
the entry and the key, and no secret is quoted back or shown."""

from __future__ import annotations

from typing import Any

import pytest

from tui_analytics.config.settings import load_settings
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.runtime.redact import redact

SMTP = 'smtp_url = "smtp://alerts:mail-pass-9@mail.example.com:587"\n'


def settings_from(tmp_path, text: str, env: dict[str, str] | None = None):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(path, env=env or {})


def test_the_documented_example_reads(tmp_path):
    s = settings_from(
        tmp_path,
        SMTP
        + """
alert_grace = 4
[[alerts]]
url = "https://hooks.example.com/T0/B0"
on = ["job-failed", "job-late", "report-failed", "recovered"]
[[alerts]]
email = ["ops@example.com"]
on = ["report-failed"]
[[alerts]]
name = "chat"
url = "https://hooks.slack.com/services/T1/B1/abc"
slack = true
secret_env = "CHAT_SECRET"
secret_header = "X-Token"
attempts = 2
timeout = 5
on = ["job-failed", "recovered"]
""",
        env={"CHAT_SECRET": "from-the-env-42"},
    )
    hook, mail, chat = s.alerts
    assert (hook.name, hook.kind, hook.url, hook.on, hook.slack) == (
        "webhook hooks.example.com",
        "webhook",
        "https://hooks.example.com/T0/B0",
        frozenset({"job-failed", "job-late", "report-failed", "recovered"}),
        False,
    )
    assert (mail.name, mail.kind, mail.email, mail.on) == (
        "e-mail ops@example.com",
        "email",
        ("ops@example.com",),
        frozenset({"report-failed"}),
    )
    assert (chat.secret, chat.secret_header, chat.attempts, chat.timeout, chat.slack) == (
        "from-the-env-42",
        "X-Token",
        2,
        5.0,
        True,
    )
    assert s.alert_grace == 4
    assert hook.where == "https://hooks.example.com/..."
    # The webhook URLs (their paths are credentials) and the secret are masked wherever they turn up.
    assert "abc" not in redact("posting to https://hooks.slack.com/services/T1/B1/abc failed")
    assert redact("header from-the-env-42") == "header ***"
    assert "from-the-env-42" not in repr(s) and "T0/B0" not in repr(s)


def test_two_webhooks_to_one_host_get_distinct_names(tmp_path):
    s = settings_from(
        tmp_path,
        '[[alerts]]\nurl = "http://127.0.0.1:9/a"\non = ["job-failed"]\n'
        '[[alerts]]\nurl = "http://127.0.0.1:9/b"\non = ["job-late"]\n',
    )
    assert [t.name for t in s.alerts] == ["webhook 127.0.0.1:9", "webhook 127.0.0.1:9 (2)"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('alerts = "https://x"\n', "alerts in .* must be an array of tables"),
        ('[[alerts]]\nurl = "https://x.example"\n', r"alerts\[1\]\.on must be a list of events"),
        ('[[alerts]]\nurl = "https://x.example"\non = []\n', r"alerts\[1\]\.on must be a list of events"),
        ('[[alerts]]\nurl = "https://x.example"\non = ["job-fail"]\n', r"alerts\[1\]\.on: unknown event 'job-fail'"),
        ('[[alerts]]\nurl = "https://x.example"\non = ["recovered"]\n', r"alerts\[1\]\.on: 'recovered' alone never fires"),
        ('[[alerts]]\non = ["job-failed"]\n', r"alerts\[1\] in .* needs url \(a webhook\) or email"),
        ('[[alerts]]\nurl = "ftp://x.example/secret-path"\non = ["job-failed"]\n', r"alerts\[1\]\.url must start with http"),
        ('[[alerts]]\nurl = "https://"\non = ["job-failed"]\n', r"alerts\[1\]\.url needs a host name"),
        ('[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\ncolour = 1\n', r"unknown key\(s\) in alerts\[1\]"),
        (SMTP + '[[alerts]]\nemail = ["not an address"]\non = ["job-failed"]\n', r"alerts\[1\]\.email must be an e-mail"),
        (
            SMTP + '[[alerts]]\nemail = "ops@example.com"\nslack = true\non = ["job-failed"]\n',
            r"alerts\[1\]\.slack .* applies to a webhook",
        ),
        ('[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\nslack = "yes please"\n', r"alerts\[1\]\.slack must be true"),
        (
            '[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\nsecret_env = "NOT_SET_ANYWHERE"\n',
            r"alerts\[1\]\.secret_env names 'NOT_SET_ANYWHERE', which is not set",
        ),
        (
            '[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\nsecret_header = "X Bad"\n',
            r"alerts\[1\]\.secret_header must be an HTTP header name",
        ),
        ('[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\nattempts = 0\n', r"alerts\[1\]\.attempts must be at least 1"),
        (
            '[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\ntimeout = "soon"\n',
            r"alerts\[1\]\.timeout must be a number",
        ),
        (
            '[[alerts]]\nname = "ops"\nurl = "https://x.example"\non = ["job-failed"]\n'
            '[[alerts]]\nname = "ops"\nurl = "https://y.example"\non = ["job-late"]\n',
            r"alerts\[2\]\.name 'ops' .* names must differ",
        ),
        ("alert_grace = 0.5\n", r"alert_grace in .* must be at least 1"),
    ],
)
def test_a_mistake_is_one_line_naming_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as info:
        settings_from(tmp_path, text)
    assert "\n" not in str(info.value)
    assert "secret-path" not in str(info.value)


def test_a_secret_is_never_quoted_back(tmp_path):
    with pytest.raises(ConfigError) as info:
        settings_from(tmp_path, '[[alerts]]\nurl = "https://x.example"\non = ["job-failed"]\nsecret = "bad\\u0007secret"\n')
    assert "secret must be text" in str(info.value) and "bad" not in str(info.value).replace("secret must", "")


def test_the_grace_comes_from_the_environment_too(tmp_path):
    s = settings_from(tmp_path, "alert_grace = 4\n", env={"TUI_ANALYTICS_ALERT_GRACE": "2.5"})
    assert s.alert_grace == 2.5 and s.alerts == ()


def test_the_short_example_reads_without_smtp_settings(tmp_path):
    s = settings_from(
        tmp_path,
        """
[[alerts]]
url = "https://hooks.example.com/T0/B0"      # webhook: JSON POST (slack = true for {"text": ...})
on = ["job-failed", "job-late", "report-failed", "recovered"]
[[alerts]]
email = ["ops@example.com"]                  # through the SMTP settings
on = ["report-failed"]
""",
    )
    assert [(t.kind, sorted(t.on)) for t in s.alerts] == [
        ("webhook", ["job-failed", "job-late", "recovered", "report-failed"]),
        ("email", ["report-failed"]),
    ]
    assert s.smtp is None and s.alert_grace == 3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://hooks.example.com/B0/SLACK SECRET7777", "holds a space, a control or a non-ASCII character"),
        ("https://hooks.example.com/B0/SLACK\\r\\nSECRET7777", "holds a space, a control or a non-ASCII character"),
        ("https://hooks.example.com/B0/SLACKSECRET7777\\u00e9", "holds a space, a control or a non-ASCII character"),
        ("https://user:SECRET7777@hooks.example.com/B0", "holds a user name or password"),
    ],
)
def test_a_webhook_url_that_cannot_be_sent_is_refused_at_load_without_quoting_it(tmp_path, url, message):
    with pytest.raises(ConfigError, match=message) as info:
        settings_from(tmp_path, f'[[alerts]]\nurl = "{url}"\non = ["job-failed"]\n')
    assert "SECRET7777" not in str(info.value) and "\n" not in str(info.value)


def test_a_webhook_path_is_masked_in_whatever_error_quotes_it(tmp_path):
    from tui_analytics.alerts.models import Alert
    from tui_analytics.alerts.senders import deliver

    settings = settings_from(
        tmp_path, '[[alerts]]\nurl = "https://hooks.example.com/services/T0/B0/PATHSECRET42"\non = ["job-failed"]\nattempts = 1\n'
    )
    target = settings.alerts[0]

    class Broken(Alert):  # a sender bug whose message quotes the whole URL
        def payload(self, *, slack: bool = False) -> dict[str, Any]:
            raise RuntimeError(f"cannot encode for {target.url} (path {target.url.split('.com')[1]})")

    alert = Broken.__new__(Broken)
    outcome = deliver(target, alert, None, wait=lambda seconds: False)
    assert outcome.error is not None and "PATHSECRET42" not in outcome.error, outcome.error
    assert outcome.error.startswith("RuntimeError: cannot encode for ")
    assert "PATHSECRET42" not in redact("POST /services/T0/B0/PATHSECRET42 failed")  # the log and the table too


@pytest.mark.parametrize("sender", ["Reports <x@example.com>, evil@example.net", "x@example.com, y@example.com"])
def test_a_sender_of_two_mailboxes_is_refused(sender):
    from tui_analytics.config.values import check_sender

    with pytest.raises(ConfigError, match="must be one e-mail address, got 2"):
        check_sender("TUI_ANALYTICS_SMTP_FROM", sender)
    assert check_sender("TUI_ANALYTICS_SMTP_FROM", "Reports <x@example.com>") == "Reports <x@example.com>"
    assert check_sender("TUI_ANALYTICS_SMTP_FROM", '"Reports, daily" <x@example.com>') == '"Reports, daily" <x@example.com>'
