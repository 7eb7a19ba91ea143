"""What every sub-command shares: its services, built by the composition root."""

from __future__ import annotations

import argparse
from typing import Any

from ..data.config import load_settings
from ..wiring import Services


def services(args: argparse.Namespace, **options: Any) -> Services:
    """The services over the configuration `args` point to (`--config`, the environment).

    Nothing is opened here; each command opens what it uses. A short-lived
    command schedules nothing, whatever DISABLE_AUTO_SYNC says.
    """
    return Services(
        load_settings(getattr(args, "config", None)),
        processor_options={"autostart": False, "probe_loop_lag": False, **options.pop("processor_options", {})},
        reports_options={"auto_start": False, **options.pop("reports_options", {})},
        **options,
    )
