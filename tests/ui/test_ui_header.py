"""The header's database label keeps what tells the database apart when the header is narrow."""

from __future__ import annotations

import pytest

from tui_analytics.ui.widgets.header import fit_database

SERVER = "postgresql://app:***@db.example.com:5432/shop (mapped)"
FILE = "sqlite:////srv/data/shop.sqlite3 (mapped)"


@pytest.mark.parametrize(
    ("database", "width", "expected"),
    [
        (SERVER, 80, "db postgresql://app:***@db.example.com:5432/shop (mapped)"),
        (SERVER, 40, "db db.example.com/shop (mapped)"),
        (SERVER, 24, "db shop (mapped)"),
        (FILE, 40, "db /srv/data/shop.sqlite3 (mapped)"),
        (FILE, 30, "db …data/shop.sqlite3 (mapped)"),
        (FILE, 25, "db shop.sqlite3 (mapped)"),
        ("sqlite:////work/d1/demo.sqlite3", 20, "db …/d1/demo.sqlite3"),
        ("…/d1/demo.sqlite3", 12, "…emo.sqlite3"),  # a label that is no URL: its end
    ],
)
def test_the_database_name_survives_a_narrow_header(database: str, width: int, expected: str) -> None:
    text = fit_database(database, width)
    assert text == expected
    assert len(text) <= width


def test_the_mapped_mark_never_stands_alone() -> None:
    for width in range(16, 60):
        text = fit_database(SERVER, width)
        assert "shop" in text and text.endswith("(mapped)") and len(text) <= width
