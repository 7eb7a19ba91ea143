"""Fixtures of the dashboard tests."""

from __future__ import annotations

import pytest

from tests.support.sample import sample_services


@pytest.fixture
def services(settings):  # type: ignore[no-untyped-def]
    """Real services over the sample data (frozen clock, job history, a filled cache); no scheduler."""
    return sample_services(settings, shown_paths=False)
