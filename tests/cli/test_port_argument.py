"""--port (serve --metrics-port, web --port) takes ASCII digits only."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("port", ["١٨٢٥١", "８０８０", "80a", "123456", ""])
def test_a_port_in_other_digits_or_too_long_is_a_usage_error(capsys, port) -> None:
    from tui_analytics.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["web", "--port", port])
    assert exited.value.code == 2
    assert "argument --port: not a port number (digits 0-9)" in capsys.readouterr().err
