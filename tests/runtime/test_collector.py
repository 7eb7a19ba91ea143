import gc

import pytest

from tui_analytics.runtime.collector import collector_paused


@pytest.fixture
def restore_gc():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_is_off_inside_and_back_on_after(restore_gc) -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_inside_still_turns_it_back_on(restore_gc) -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("import failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(restore_gc) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
