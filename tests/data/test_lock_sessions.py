"""The scheduler lock's session tells the server how soon to give up on a vanished holder."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.constants import MYSQL_URL, POSTGRES_URL
from tui_analytics.data.engines import normalise_url
from tui_analytics.data.state.lock_backends import (
    KEEPALIVE_COUNT,
    KEEPALIVE_IDLE_S,
    KEEPALIVE_INTERVAL_S,
    MYSQL_LOCK_IDLE_S,
    SCHEDULER_KEY,
    ServerBackend,
)

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not POSTGRES_URL, reason="TUI_ANALYTICS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
def test_postgres_lock_session_has_server_side_keepalives() -> None:
    backend = ServerBackend(normalise_url(POSTGRES_URL or ""), SCHEDULER_KEY + 1000)  # a key no test process holds
    try:
        assert backend.acquire()
        session = backend._session()
        shown = {
            name: session.execute(text(f"SHOW {name}")).scalar()
            for name in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count")
        }
        assert shown == {
            "tcp_keepalives_idle": str(KEEPALIVE_IDLE_S),
            "tcp_keepalives_interval": str(KEEPALIVE_INTERVAL_S),
            "tcp_keepalives_count": str(KEEPALIVE_COUNT),
        }
    finally:
        backend.release()
        backend.engine.dispose()


@pytest.mark.skipif(not MYSQL_URL, reason="TUI_ANALYTICS_TEST_MYSQL_URL is not set (.ci/run sets it)")
def test_mariadb_lock_session_ends_when_idle_for_a_minute() -> None:
    backend = ServerBackend(normalise_url(MYSQL_URL or ""), SCHEDULER_KEY + 1000)
    try:
        assert backend.acquire()
        assert backend._session().execute(text("SELECT @@session.wait_timeout")).scalar() == MYSQL_LOCK_IDLE_S
    finally:
        backend.release()
        backend.engine.dispose()
