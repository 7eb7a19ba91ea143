"""`tui-analytics web` without the web extra (textual-serve, aiohttp) says how to install it, in
one line, and starts nothing; everything else runs without them (tests/meta/test_wheel_install.py
installs the wheel without the extra)."""

from __future__ import annotations

import sys

import pytest

from tui_analytics.cli import main
from tui_analytics.cli.web_cmd import WEB_MODULES


@pytest.mark.parametrize("missing", WEB_MODULES)
def test_web_without_the_extra_says_exactly_how_to_install_it(missing, monkeypatch, capsys) -> None:
    for name in [m for m in sys.modules if m == missing or m.startswith(missing + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` now fails as if not installed
    assert main(["web", "--port", "1"]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "tui-analytics: error: tui-analytics web needs the web extra: pip install 'tui-analytics[web]'\n"
