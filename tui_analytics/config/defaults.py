"""What a service gets when its caller gives it nothing: the one place that decides it.

The services' constructors take their settings, event bus and clock from their caller and
do no I/O. The callers that give nothing are the documented no-argument forms of the Python
API (`get_analytics_background_processor()`, `get_analytics_scheduled_reports_service()`, the
export service built without arguments) and a composition root built over settings alone: they
all ask `defaults()`, which reads the configuration as it is now (environment variables and the
TOML file), and gives the process-wide event bus and the system clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_analytics.config.settings import Settings, load_settings
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.events import EventBus, default_bus


@dataclass(frozen=True)
class Defaults:
    settings: Settings
    bus: EventBus
    clock: Clock


def defaults(settings: Settings | None = None) -> Defaults:
    """`settings` (or the configuration, read now), the process-wide event bus and the system clock."""
    return Defaults(settings if settings is not None else load_settings(), default_bus(), SYSTEM_CLOCK)
