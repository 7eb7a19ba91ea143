"""Masking passwords: URLs that do not parse, secrets from the TOML file, and the places every
stored or shown text passes through (one_line, the history stores, delivery outcomes, the CLI's
output)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from tui_analytics.config.settings import load_settings, mask_url
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.redact import RedactingWriter, redact, register_url, url_secrets


@pytest.mark.parametrize("password", ["Cq7?pw991", "Cq7#pw991", "Cq7@pw991", "Cq7%pw991", "Cq7/pw991", "Cq7%zz@?#/pw991"])
def test_a_password_with_unencoded_url_characters_is_masked_whole(password) -> None:
    url = f"postgresql://postgres:{password}@127.0.0.1:1/sarel"
    masked = mask_url(url)
    assert masked == "postgresql://postgres:***@127.0.0.1:1/sarel"
    assert password in url_secrets(url)
    # in free text (a driver message quoting the URL) too
    assert redact(f"cannot connect to {url}: refused") == f"cannot connect to {masked}: refused"


def test_the_pieces_a_driver_takes_for_the_host_are_known_secrets() -> None:
    # SQLAlchemy splits "Cq7@ARY%pw991@host" at the first "@": the driver then names
    # "ARY%pw991@127.0.0.1" as the host it cannot resolve.
    register_url("postgresql://postgres:Cq7@ARYpiece%pw991@127.0.0.1:1/sarel")
    assert "ARYpiece" not in redact("failed to resolve host 'ARYpiece%pw991@127.0.0.1'")


def test_an_smtp_auth_plain_echo_is_masked_decoded_and_in_base64() -> None:
    import base64

    register_url("smtp://mailer:SmtpEchoCanary1@mail.example.com:587")
    echoed = base64.b64encode(b"\0mailer\0SmtpEchoCanary1").decode()
    text = redact(f"535 5.7.8 bad credentials: mailer SmtpEchoCanary1 ({echoed})")
    assert "SmtpEchoCanary1" not in text and echoed not in text


def test_plain_urls_and_urls_with_at_signs_elsewhere_stay_readable() -> None:
    assert mask_url("sqlite:////var/lib/x@y.db") == "sqlite:////var/lib/x@y.db"
    assert mask_url("postgresql://app@db/x") == "postgresql://app@db/x"
    assert mask_url("postgresql://host/db?user=a:b@c") == "postgresql://host/db?user=a:b@c"


def test_toml_passwords_are_masked_when_a_driver_echoes_them_bare(tmp_path) -> None:
    config = tmp_path / "tui.toml"
    config.write_text(
        'database_url = "postgresql://postgres:T0mlSecretDb@127.0.0.1:1/x"\n'
        'state_url = "postgresql://keeper:T0mlSecretState@127.0.0.1:1/y"\n'
        'smtp_url = "smtp://mailer:T0mlSecretSmtp@127.0.0.1:1"\n',
        encoding="utf-8",
    )
    load_settings(config, env={})
    for secret in ("T0mlSecretDb", "T0mlSecretState", "T0mlSecretSmtp"):
        assert redact(f"echo: {secret}") == "echo: ***"


def test_one_line_masks_whatever_raised_the_error() -> None:
    register_url("postgresql://u:OneLineCanary7@h/db")
    assert "OneLineCanary7" not in one_line(RuntimeError("server said: bad password OneLineCanary7"))


def test_delivery_outcomes_are_masked() -> None:
    from tui_analytics.reports.delivery import DeliveryResult

    register_url("smtp://mailer:DeliveryCanary3@h")
    result = DeliveryResult(
        "failed",
        {"a@example.com": "failed: 535 bad credentials: mailer DeliveryCanary3"},
        "535 bad credentials: mailer DeliveryCanary3",
    )
    assert "DeliveryCanary3" not in repr(result.to_dict())


def test_the_cli_output_stream_masks_lines_written_in_pieces() -> None:
    register_url("postgresql://u:StreamCanary5@h/db")
    sink = io.StringIO()
    writer = RedactingWriter(sink)
    for piece in ('{"error": "got Stream', "Canary5", '"}\n', "progress Stream", "Canary5"):
        writer.write(piece)
    writer.flush()
    assert "StreamCanary5" not in sink.getvalue()
    assert sink.getvalue() == '{"error": "got ***"}\nprogress ***'


def test_history_written_before_the_masking_is_shown_masked(settings, capsys, monkeypatch) -> None:
    """A job run and a report run stored by an older version with a password in them."""
    from tui_analytics.cli import main
    from tui_analytics.data.schema import job_runs, report_runs
    from tui_analytics.data.state.database import open_state

    secret = "OldRowCanary9"
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_SMTP_URL", f"smtp://mailer:{secret}@127.0.0.1:1")
    when = datetime(2026, 1, 1, tzinfo=timezone.utc).replace(tzinfo=None)
    with open_state(settings).begin() as conn:
        conn.execute(
            job_runs.insert().values(job_id="top-items", trigger="manual", started_at=when, status="failed", error=f"echo {secret}")
        )
        conn.execute(
            report_runs.insert().values(
                template_id="t",
                template_name="T",
                trigger="manual",
                started_at=when,
                status="failed",
                error=f"echo {secret}",
                delivery={"status": "failed", "recipients": {"a@example.com": secret}},
            )
        )
    for argv in (["jobs", "history"], ["jobs", "history", "--json"], ["report", "history"], ["report", "history", "--json"]):
        assert main(argv) == 0
        out = capsys.readouterr()
        assert "***" in out.out and secret not in out.out + out.err, argv
