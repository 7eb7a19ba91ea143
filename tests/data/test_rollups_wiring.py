"""The rollups as the product wires them: settings, Services, `cache rebuild`, the daily verification."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tui_analytics.cli import main
from tui_analytics.config.settings import Settings, load_settings
from tui_analytics.data.engines import new_engine
from tui_analytics.data.rollups.answers import IncrementalRepository, rebuild_span
from tui_analytics.data.rollups.store import RollupStore
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.processor.jobs import _verify_rollups
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.wiring.services import Services


def test_settings_turn_rollups_off_and_set_the_lateness(tmp_path: Path) -> None:
    assert load_settings(env={}).rollups is True and load_settings(env={}).rollup_lateness_days == 2
    found = load_settings(env={"TUI_ANALYTICS_ROLLUPS": "false", "TUI_ANALYTICS_ROLLUP_LATENESS_DAYS": "5"})
    assert found.rollups is False and found.rollup_lateness_days == 5
    config = tmp_path / "c.toml"
    config.write_text("rollups = false\nrollup_lateness_days = 0\n")
    assert (load_settings(config, env={}).rollups, load_settings(config, env={}).rollup_lateness_days) == (False, 0)
    with pytest.raises(ConfigError, match="ROLLUP_LATENESS_DAYS"):
        load_settings(env={"TUI_ANALYTICS_ROLLUP_LATENESS_DAYS": "31"})


def test_services_wrap_the_opened_source_unless_turned_off(settings: Settings) -> None:
    root = Services(settings).open()
    assert isinstance(root.repository, IncrementalRepository) and root.rollups() is root.repository
    assert root.repository.maintainer is None  # not scheduling: it only reads the rollups
    off = Services(Settings.for_dir(settings.data_dir, timezone_name="UTC", rollups=False)).open()
    assert isinstance(off.repository, AdminAnalyticsOptimizedRepository) and off.rollups() is None


def _pair(settings: Settings, clock: FrozenClock) -> tuple[AdminAnalyticsOptimizedRepository, IncrementalRepository]:
    base = AdminAnalyticsOptimizedRepository(settings.source_url, clock=clock)
    return base, IncrementalRepository(base, RollupStore(new_engine(settings.resolved_state_url)))


def test_cache_rebuild_from_the_shell_then_every_process_reads_the_rollups(
    settings: Settings, frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    base, reader = _pair(settings, frozen_clock)
    assert reader.watermark() is None  # nothing built: the full queries answer
    assert main(["cache", "rebuild", "--json"]) == 0
    captured = capsys.readouterr()
    reply = json.loads(captured.out)
    assert reply["applied"] is True and reply["days"] > 300 and "rolling up:" in captured.err
    watermark = reader.store.meta()["watermark"]
    assert watermark is not None
    frozen_clock.set(
        frozen_clock.now().replace(year=int(watermark[:4]), month=int(watermark[5:7]), day=int(watermark[8:10]), hour=15)
    )
    assert reader.watermark() == date.fromisoformat(watermark)
    assert reader.activity_trends(30) == base.activity_trends(30)
    assert reader.summary() == base.summary()
    assert reader.top_items(10) == base.top_items(10)
    assert main(["cache", "rebuild", "--from", "2026-01-02", "--to", "2026-01-01"]) == 1
    assert "after its end" in capsys.readouterr().err


def test_the_verification_runs_once_a_day(settings: Settings, frozen_clock: FrozenClock) -> None:
    base, inc = _pair(settings, frozen_clock)
    maintainer = inc.enable_writing()
    assert _verify_rollups(inc) is None  # not built yet: nothing to verify
    maintainer.build()
    assert _verify_rollups(inc) == []  # equal to the source: nothing rebuilt
    assert _verify_rollups(inc) is None  # once a day
    frozen_clock.advance(timedelta(days=1))
    assert _verify_rollups(inc) == []
    assert _verify_rollups(base) is None  # the full-query repository has nothing to verify
    with pytest.raises(ValueError, match="rollups are off"):
        rebuild_span(base, "/")


def test_the_first_build_reports_its_progress(settings: Settings, frozen_clock: FrozenClock) -> None:
    _base, inc = _pair(settings, frozen_clock)
    assert inc.rollup_progress() is None  # not scheduling: nothing to say
    maintainer = inc.enable_writing()
    seen: list[tuple[int, int]] = []
    maintainer.build(lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] and all(total == seen[0][1] for _, total in seen)
    assert inc.rollup_progress() is None  # built: no row in the Metrics pane
    maintainer._progress = (3, 10)
    with maintainer._lock:  # the background build waits for it: caught while it runs
        maintainer.start_build()
        assert inc.rollup_progress() == "building 3/10 days"
        assert inc.watermark() is None  # the full queries answer meanwhile
    maintainer.wait()
    assert inc.rollup_progress() is None and inc.watermark() is not None


def test_a_failed_build_leaves_the_full_queries_and_is_tried_again_later(settings: Settings, frozen_clock: FrozenClock) -> None:
    base, inc = _pair(settings, frozen_clock)
    maintainer = inc.enable_writing()
    real = maintainer.build
    maintainer.build = lambda progress=None: (_ for _ in ()).throw(RuntimeError("disk full"))  # type: ignore[method-assign]
    assert inc.activity_trends(7) == base.activity_trends(7)  # starts the build, which fails
    maintainer.wait()
    said = inc.rollup_progress()
    assert said is not None and said.startswith("failed: ") and "disk full" in said
    maintainer.build = real  # type: ignore[method-assign]
    inc.watermark()
    maintainer.wait()
    assert maintainer.state().status == "failed"  # not tried again at once
    frozen_clock.advance(timedelta(minutes=11))
    inc.watermark()
    maintainer.wait()
    assert maintainer.state().status == "ready" and inc.activity_trends(7) == base.activity_trends(7)
