"""A webhook that answers a byte a second is bounded by the target's timeout, the whole attempt."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timezone

from tui_analytics.alerts.models import Alert
from tui_analytics.alerts.senders import deliver
from tui_analytics.config.alert_targets import AlertTarget
from tui_analytics.runtime.events import EventBus

HANG_GUARD = 60.0  # the attempt must end long before this; without the bound it never does


class Trickle:
    """A TCP server that reads the request, then sends an HTTP answer one byte a second, forever."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        self.connected = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                continue
            self.connected.set()
            threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket) -> None:
        with client:
            client.recv(65536)
            answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000
            for byte in answer:
                if self.stop.is_set():
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(1.0)

    def close(self) -> None:
        self.stop.set()
        self.server.close()


def test_a_trickling_webhook_fails_at_its_timeout_and_is_retried_no_more(tmp_path) -> None:
    trickle = Trickle()
    target = AlertTarget(
        name="slow", on=frozenset({"job-failed"}), url=f"http://127.0.0.1:{trickle.port}/hook", timeout=2, attempts=1
    )
    alert = Alert(
        id="a1",
        kind="test",
        subject="job:top-items",
        name="top-items",
        at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        text="a test alert",
    )
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(deliver(target, alert, None, wait=lambda s: False)), daemon=True)
    try:
        worker.start()
        worker.join(HANG_GUARD)
        assert not worker.is_alive(), "the delivery never ended"
    finally:
        trickle.close()
    assert outcome[0].status == "failed"
    assert outcome[0].error == "http://127.0.0.1:%d/...: no complete answer within 2 s" % trickle.port


def test_quitting_gives_queued_alerts_a_short_grace_then_records_them_not_delivered(settings, frozen_clock, monkeypatch) -> None:
    from tests.alerts.conftest import target
    from tui_analytics.alerts import service as alert_service
    from tui_analytics.alerts.service import AlertService

    monkeypatch.setattr(alert_service, "ABANDON_AFTER", 0.5)
    trickle = Trickle()
    url = f"http://127.0.0.1:{trickle.port}/hook"
    service = AlertService(
        settings.__class__.for_dir(settings.data_dir, alerts=(target("slow", url, timeout=120),)),
        clock=frozen_clock,
        wait=lambda s: False,
        bus=EventBus(),
    )
    try:
        slow = service.targets[0]
        for job in ("top-items", "user-growth", "recent-activity"):  # one in flight, two waiting behind it
            service._send(
                Alert(
                    id=f"alert-{job}",
                    kind="job-failed",
                    subject=f"job:{job}",
                    name=job,
                    at=frozen_clock.now(),
                    text=f"{job} failed",
                ),
                [slow],
            )
        assert trickle.connected.wait(HANG_GUARD)  # the first attempt is in flight
        service.close()
        assert service.drain(HANG_GUARD), "the deliveries kept the process alive"
    finally:
        trickle.close()
    errors = sorted(d.error or "" for d in service._known.values())
    assert len(errors) == 3 and all(e.startswith("not delivered: the app stopped") for e in errors), errors
    assert "not delivered: the app stopped before it was sent" in errors  # those still queued were not tried
