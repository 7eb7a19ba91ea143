import gc

import pytest

from tui_analytics.runtime.collector import pause_collector


@pytest.fixture
def restore_gc():
    was = gc.isenabled()
    yield
    gc.unfreeze()  # frozen objects would never be collected for the rest of the test run
    (gc.enable if was else gc.disable)()


def test_the_collector_is_off_until_resumed_then_on_with_what_existed_frozen(restore_gc) -> None:
    gc.enable()
    gc.unfreeze()
    resume = pause_collector()
    assert not gc.isenabled()
    alive = [[n] for n in range(100)]  # containers made while paused: the start-up's imports and widgets
    resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(alive)


def test_resuming_twice_freezes_once(restore_gc, monkeypatch) -> None:
    """Counted as calls of gc.freeze, not as the objects frozen: threads other tests left running
    allocate meanwhile, and the count of frozen objects moves with them."""
    gc.enable()
    freezes: list[None] = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(None))
    resume = pause_collector()
    resume()
    assert len(freezes) == 1
    resume()  # the CLI's call after the app already resumed at its first frame
    assert len(freezes) == 1


def test_a_collector_that_was_off_stays_off(restore_gc) -> None:
    gc.disable()
    resume = pause_collector()
    resume()
    assert not gc.isenabled()


def test_a_hold_turns_the_collector_off_and_its_release_back_on(restore_gc) -> None:
    from tui_analytics.runtime.collector import CollectorHold

    gc.enable()
    hold = CollectorHold()
    hold.hold()
    hold.hold()  # a second dialog while the first opens: still one hold
    assert hold.holding and not gc.isenabled()
    hold.release()
    assert not hold.holding and gc.isenabled()
    hold.release()  # the timer after an unmount already released it
    assert gc.isenabled()


def test_a_hold_over_a_collector_that_was_off_leaves_it_off(restore_gc) -> None:
    from tui_analytics.runtime.collector import CollectorHold

    gc.disable()  # the start-up pause still on: the first frame turns it back on, not the dialog
    hold = CollectorHold()
    hold.hold()
    hold.release()
    assert not gc.isenabled()
