"""A webhook's Retry-After is waited for (on the injected wait, never slept), and bodies signed with
the target's signing secret verify at the receiver as docs/alerts.md tells a receiver to verify."""

from __future__ import annotations

import hashlib
import hmac
from email.utils import format_datetime

import pytest

from tests.alerts.conftest import target
from tests.support.constants import FROZEN_NOW
from tests.support.processor_fakes import FakeRepository
from tests.support.webhook import Hook
from tui_analytics.alerts.senders import RETRY_AFTER_MAX, sign
from tui_analytics.config.settings import load_settings
from tui_analytics.runtime.redact import redact


async def fail_once(root) -> None:
    await root.processor.trigger_job("top-items")
    assert root.alerts.drain(10)


def failing_repository(clock) -> FakeRepository:
    repo = FakeRepository(clock)
    repo.fail["top_items"] = RuntimeError("boom")
    return repo


@pytest.mark.parametrize(
    ("status", "header", "waited"),
    [
        (429, "1", 1.0),
        (503, "20", 20.0),
        (429, "3600", RETRY_AFTER_MAX),  # bounded by the longest wait between attempts
        (429, format_datetime(FROZEN_NOW.replace(second=12), usegmt=True), 12.0),  # an HTTP date, on the injected clock
    ],
)
async def test_retry_after_is_honoured(make_services, frozen_clock, waits, status, header, waited):
    with Hook(failures=1, fail_status=status, retry_after=header) as hook:
        root = await make_services(target("ops", hook.url()), repository=failing_repository(frozen_clock))
        await fail_once(root)
        assert hook.answers == [status, 200]
    assert waits.delays == [waited]
    assert root.alerts.store.recent(1)[0].status == "sent" and root.alerts.store.recent(1)[0].attempts == 2


async def test_without_retry_after_the_backoff_waits(make_services, frozen_clock, waits):
    with Hook(failures=1, fail_status=429) as hook:
        root = await make_services(target("ops", hook.url()), repository=failing_repository(frozen_clock))
        await fail_once(root)
        assert hook.answers == [429, 200]
    assert len(waits.delays) == 1 and 0.75 <= waits.delays[0] <= 1.0


def verify(secret: str, header: str, raw: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (docs/alerts.md): split t and v1, recompute, compare in constant time, check the age."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(now - int(fields["t"])) <= tolerance


async def test_the_body_is_signed_and_the_receiver_verifies_it(make_services, frozen_clock, hook):
    secret = "whsec_7f3a9c0e1b"
    root = await make_services(target("ops", hook.url(), signing_secret=secret), repository=failing_repository(frozen_clock))
    await fail_once(root)
    received = hook.received[0]
    header = received.headers["x-tui-analytics-signature"]
    now = int(FROZEN_NOW.timestamp())
    assert header.startswith(f"t={now},v1=")
    assert verify(secret, header, received.raw, now)
    assert not verify("another-secret", header, received.raw, now)
    assert not verify(secret, header, received.raw.replace(b"boom", b"BOOM"), now)  # a body changed on the way
    assert sign(secret, received.raw, now) == header


def test_the_signing_secret_is_masked_and_read_from_the_environment(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[[alerts]]\nname = "ops"\nurl = "https://hooks.example.com/x"\non = ["job-failed"]\n'
        'signing_secret_env = "OPS_SIGNING"\nremind_every = "4h"\n'
    )
    settings = load_settings(path, env={"OPS_SIGNING": "whsec_from_env_123"})
    (ops,) = settings.alerts
    assert ops.signing_secret == "whsec_from_env_123" and ops.remind_every == 4 * 3600
    assert "whsec_from_env_123" not in repr(settings)
    assert "whsec_from_env_123" not in redact("signed with whsec_from_env_123")
