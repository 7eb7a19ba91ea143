"""Fixtures of the serve and web tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tui_analytics.cli.serve_log import HANDLER_NAME


@pytest.fixture(autouse=True)
def _no_stderr_log_left() -> Iterator[None]:
    """`serve` and `web` run in-process put their stderr handler on the root logger and set levels:
    take the handler off and put the levels back, so neither outlives its test."""
    root, package = logging.getLogger(), logging.getLogger("tui_analytics")
    levels = root.level, package.level
    yield
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(levels[0])
    package.setLevel(levels[1])
