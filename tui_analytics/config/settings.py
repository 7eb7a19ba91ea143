"""Settings: read from environment variables and an optional TOML file.

Environment variables win over the file. Each service calls `load_settings()`
when it is created, so a restarted singleton sees the environment as it is now.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tui_analytics.config.access import AccessSettings, parse_access
from tui_analytics.config.alert_rules import AlertPolicy, optional_duration
from tui_analytics.config.alert_targets import AlertTarget, read_alerts
from tui_analytics.config.source_mapping import BUILTIN, SourceMapping, parse_source
from tui_analytics.config.timezones import plain_zone as plain_zone  # still importable from here
from tui_analytics.config.timezones import resolve_timezone
from tui_analytics.config.toml_file import APP_NAME, Table, read_toml
from tui_analytics.config.values import check_dir, check_sender, check_smtp_url, parse_bool, parse_grace, parse_number, shorten
from tui_analytics.runtime.errors import ConfigError, SettingsError, did_you_mean
from tui_analytics.runtime.redact import redact, register_secret, register_url, userinfo

ENV_PREFIX = "TUI_ANALYTICS_"
DEFAULT_SENDER = "tui-analytics@localhost"  # SMTP_FROM when none is configured

# TOML key -> environment variable. Keys in the file are the variable names
# without the prefix, lower-case (`database_url = "..."`).
_KEYS = {
    "database_url": "TUI_ANALYTICS_DATABASE_URL",
    "state_url": "TUI_ANALYTICS_STATE_URL",
    "data_dir": "TUI_ANALYTICS_DATA_DIR",
    "export_dir": "TUI_ANALYTICS_EXPORT_DIR",
    "report_dir": "TUI_ANALYTICS_REPORT_DIR",
    "log_dir": "TUI_ANALYTICS_LOG_DIR",
    "timezone": "TUI_ANALYTICS_TIMEZONE",
    "rollups": "TUI_ANALYTICS_ROLLUPS",
    "rollup_lateness_days": "TUI_ANALYTICS_ROLLUP_LATENESS_DAYS",
    "smtp_url": "TUI_ANALYTICS_SMTP_URL",
    "smtp_from": "TUI_ANALYTICS_SMTP_FROM",
    "smtp_timeout": "TUI_ANALYTICS_SMTP_TIMEOUT",
    "history_retention": "TUI_ANALYTICS_HISTORY_RETENTION",
    "query_timeout": "TUI_ANALYTICS_QUERY_TIMEOUT",
    "disable_auto_sync": "DISABLE_AUTO_SYNC",
    "alert_grace": "TUI_ANALYTICS_ALERT_GRACE",
    "alert_remind_every": "TUI_ANALYTICS_ALERT_REMIND_EVERY",
    "report_retry_hours": "TUI_ANALYTICS_REPORT_RETRY_HOURS",
    "report_retry_delay": "TUI_ANALYTICS_REPORT_RETRY_DELAY",
}

JOB_IDS = (
    "user-growth",
    "activity-trends",
    "top-items",
    "recent-activity",
    "performance-metrics",
    "cache-cleanup",
)

DEFAULT_INTERVALS: dict[str, float] = {
    "user-growth": 600.0,
    "activity-trends": 300.0,
    "top-items": 900.0,
    "recent-activity": 120.0,
    "performance-metrics": 30.0,
    "cache-cleanup": 3600.0,
}

# Bounds of the numeric settings (seconds, rows): beyond them the scheduler or SQLite overflows.
MIN_INTERVAL = 1.0
MAX_INTERVAL = 31 * 24 * 3600.0
MAX_RETENTION = 10_000_000
MAX_QUERY_TIMEOUT = 24 * 3600.0
MAX_RETRY_HOURS = 31 * 24.0
MAX_RETRY_DELAY = 3600.0

# Keys whose TOML value must be a string.
_TEXT_KEYS = frozenset(_KEYS) - {
    "rollups",
    "rollup_lateness_days",
    "smtp_timeout",
    "history_retention",
    "query_timeout",
    "disable_auto_sync",
    "alert_grace",
    "report_retry_hours",
    "report_retry_delay",
}

_SECRET_QUERY_KEYS = re.compile(r"pass|pwd|secret|token|key|auth", re.IGNORECASE)


def mask_url(url: str | None) -> str:
    """The URL with any password (userinfo or query string) replaced by `***`.

    A password with an unencoded `?`, `#`, `/` or `@` is masked whole (everything between
    `://user:` and the last `@`), and any known secret left in the result is masked too.
    """
    if not url:
        return ""
    info = userinfo(url)
    if info is not None:
        start, end, _user, _password = info
        url = url[:start] + "***" + url[end:]
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(_SECRET_QUERY_KEYS.search(k) for k, _v in pairs):  # else as it is: urlunsplit drops sqlite:////'s empty host
        query = urlencode([(k, "***" if _SECRET_QUERY_KEYS.search(k) else v) for k, v in pairs], safe="*")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    return redact(url)


@dataclass(frozen=True)
class SmtpSettings:
    """Where report e-mails go. `url` is smtp://user:pass@host:port or smtps://...; starttls via ?starttls=true."""

    url: str
    sender: str
    timeout: float = 30.0

    @property
    def masked(self) -> str:
        return mask_url(self.url)


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build with `load_settings()`; tests use `Settings.for_dir(path)`."""

    data_dir: Path
    database_url: str | None = None
    state_url: str | None = None
    export_dir: Path | None = None
    report_dir: Path | None = None
    log_dir: Path | None = None
    timezone_name: str = "local"
    smtp: SmtpSettings | None = None
    disable_auto_sync: bool = False
    history_retention: int = 5000
    query_timeout: float = 60.0
    job_intervals: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    alerts: tuple[AlertTarget, ...] = ()  # the [[alerts]] targets (alert_targets.py)
    alert_grace: float = 3.0  # a job is late after this many of its intervals without a successful run
    alert_remind_every: float | None = None  # seconds between reminders of an open incident (a target's own wins)
    alert_policy: AlertPolicy | None = None  # [[alerts.rules]] and [[alerts.silence]] (alert_rules.py)
    report_retry_hours: float = 24.0  # a report slot that failed or was interrupted is retried this long (0: never)
    report_retry_delay: float = 60.0  # seconds before a slot's first retry (doubling after each attempt)
    # Where users, items and activities live in the source ([source] in the TOML file).
    source: SourceMapping = BUILTIN
    # [keys] of the TOML file: action id -> key(s), e.g. {"trigger": "r"}; the dashboard checks the
    # ids and key names (it knows them) when it starts.
    keys: dict[str, str] = field(default_factory=dict)
    # Incremental analytics: closed days rolled up in the state database (docs/data.md#rollups),
    # re-read for late rows this many days back.
    rollups: bool = True
    rollup_lateness_days: int = 2
    # [access] and [web.users]: read-only mode, the audit log's retention, who may log in to `web`.
    access: AccessSettings = field(default_factory=AccessSettings)

    def __post_init__(self) -> None:
        # Whatever prints or logs later, these passwords are masked (redact.py).
        for url in (self.database_url, self.state_url, self.smtp.url if self.smtp else None):
            register_url(url)
        for target in self.alerts:  # a webhook URL's path or query is often its credential: masked whole
            register_url(target.url)
            for secret in (target.url, target.secret, target.signing_secret):
                register_secret(secret)
        # Settings built in Python skip load_settings: an interval APScheduler cannot add is refused here too.
        for job_id, seconds in self.job_intervals.items():
            parse_number(f"the interval of {job_id}", seconds, minimum=MIN_INTERVAL, maximum=MAX_INTERVAL)

    @classmethod
    def for_dir(cls, data_dir: Path | str, **changes: Any) -> Settings:
        """Settings rooted in one directory (the log too), nothing read from the environment (tests, demos)."""
        return replace(cls(data_dir=Path(data_dir), log_dir=Path(data_dir)), **changes)

    @property
    def uses_demo_data(self) -> bool:
        """True when no source database is configured: the embedded demo database is used."""
        return not self.database_url

    @property
    def source_mapped(self) -> bool:
        """True when a [source] mapping points some entity away from the built-in tables."""
        return self.source.mapped

    @property
    def demo_database_path(self) -> Path:
        return self.data_dir / "demo.sqlite3"

    @property
    def source_url(self) -> str:
        return self.database_url or f"sqlite:///{self.demo_database_path}"

    @property
    def resolved_state_url(self) -> str:
        return self.state_url or f"sqlite:///{self.data_dir / 'state.sqlite3'}"

    @property
    def resolved_export_dir(self) -> Path:
        return self.export_dir or self.data_dir / "exports"

    @property
    def resolved_report_dir(self) -> Path:
        return self.report_dir or self.data_dir / "reports"

    @property
    def resolved_log_dir(self) -> Path:
        """Where the dashboard's log goes: the configured folder, or the platform's log folder
        (~/.local/state/tui-analytics/log on Linux)."""
        if self.log_dir is not None:
            return self.log_dir
        from platformdirs import user_log_dir

        return Path(user_log_dir(APP_NAME, appauthor=False))

    @property
    def dashboard_log(self) -> Path:
        """The dashboard's log file (rotated; `serve` and the CLI log to stderr)."""
        return self.resolved_log_dir / "dashboard.log"

    @property
    def tz(self) -> tzinfo:
        """The configured time zone (local when unset)."""
        return resolve_timezone(self.timezone_name)

    def interval(self, job_id: str) -> float:
        return float(self.job_intervals.get(job_id, DEFAULT_INTERVALS[job_id]))


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


# The shape SQLAlchemy accepts (dialect[+driver]://[user[:password]@][host][:port][/database][?query]),
# checked here without importing SQLAlchemy, which is slow to import: settings load before every
# command, the dashboard's first frame included. Opening the database checks the URL again, fully.
_URL_SHAPE = re.compile(
    r"[\w+]+://"
    r"(?:[^:/]*(?::[^@]*)?@)?"
    r"(?:(?:\[[^/?]+\]|[^/:?]+)?(?::(?P<port>[^/?]*))?)?"
    r"(?:/[^?]*)?(?:\?.*)?",
    re.DOTALL,
)


def _check_url(name: str, url: str) -> str:
    shape = _URL_SHAPE.fullmatch(url)
    port = shape.group("port") if shape else None
    if shape is None or (port and not port.isdigit()):
        raise ConfigError(f"{name} is not a database URL: {mask_url(url)}")
    return postgres_spelling(url)


_POSTGRES_SPELLING = re.compile(r"postgres(?=[+:])", re.IGNORECASE)


def postgres_spelling(url: str) -> str:
    """`postgres://...` (Django's dj-database-url, Heroku) as `postgresql://...`, the name
    SQLAlchemy knows; it refuses the short one by design. Any other URL is returned as it is."""
    return _POSTGRES_SPELLING.sub("postgresql", url, count=1) if _POSTGRES_SPELLING.match(url) else url


def _source_of(table: Mapping[str, object], path: Path | str) -> SourceMapping:
    if "source" not in table:
        return BUILTIN
    try:
        return parse_source(table["source"])
    except ConfigError as exc:
        raise ConfigError(f"{exc} in {shorten(str(path))}") from None


def _from_file(
    config_path: Path | str, values: dict[str, object], intervals: dict[str, float], origins: dict[str, str]
) -> tuple[Table, dict[str, str], SourceMapping]:
    """The file's table, [keys] and [source]; its settings go into `values`, its [jobs] into `intervals`."""
    table = read_toml(config_path, _TEXT_KEYS)  # its [keys] and [jobs] are tables (toml_file.py checks)
    keys = {str(action): str(key).strip() for action, key in cast(Table, table.get("keys") or {}).items()}
    unknown = set(table) - set(_KEYS) - {"jobs", "alerts", "source", "keys", "access", "web"}
    if unknown:
        hint = did_you_mean(next(iter(unknown)), _KEYS) if len(unknown) == 1 else ""
        raise ConfigError(f"unknown setting(s) in {config_path}: {', '.join(shorten(k) for k in sorted(unknown))}{hint}")
    values.update({k: v for k, v in table.items() if k in _KEYS})
    origins.update({k: f"{k} in {shorten(str(config_path))}" for k in table if k in _KEYS})
    for job_id, seconds in cast(Table, table.get("jobs") or {}).items():
        if job_id not in DEFAULT_INTERVALS:
            raise ConfigError(f"unknown job {shorten(job_id)} in [jobs] of {config_path}")
        intervals[job_id] = parse_number(f"jobs.{job_id}", seconds, minimum=MIN_INTERVAL, maximum=MAX_INTERVAL)
    return table, keys, _source_of(table, config_path)


def _from_env(env: Mapping[str, str], values: dict[str, object], intervals: dict[str, float], origins: dict[str, str]) -> None:
    """The environment's settings over the file's (an empty variable leaves the file's value)."""
    for key, var in _KEYS.items():
        if env.get(var, "") != "":
            values[key] = env[var]
            origins[key] = var
    for job_id in DEFAULT_INTERVALS:
        var = ENV_PREFIX + "INTERVAL_" + job_id.upper().replace("-", "_")
        if env.get(var):
            intervals[job_id] = parse_number(var, env[var], minimum=MIN_INTERVAL, maximum=MAX_INTERVAL)


def _smtp(values: Mapping[str, object], name: Callable[[str], str]) -> SmtpSettings | None:
    # Read whether or not a server is set: a bad value is an error either way.
    smtp_timeout = parse_number(name("smtp_timeout"), values.get("smtp_timeout", 30), minimum=1, maximum=3600)
    sender = str(values.get("smtp_from") or DEFAULT_SENDER)
    if sender != DEFAULT_SENDER:  # the default is valid (tests/data/test_config.py): no email package to check it
        sender = check_sender(name("smtp_from"), sender)
    if not values.get("smtp_url"):
        return None
    url = str(values["smtp_url"])
    check_smtp_url(name("smtp_url"), url, mask_url(url))
    return SmtpSettings(url=url, sender=sender, timeout=smtp_timeout)


def _url(values: Mapping[str, object], key: str, name: Callable[[str], str]) -> str | None:
    return _check_url(name(key), str(values[key])) if values.get(key) else None


def load_settings(config_path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the TOML file (`config_path`, else the one `find_config` finds) overlaid by the environment.
    Any mistake is a SettingsError (a ConfigError) of one line."""
    try:
        return _load_settings(config_path, os.environ if env is None else env)
    except SettingsError:
        raise
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None


def _load_settings(config_path: Path | str | None, env: Mapping[str, str]) -> Settings:
    from tui_analytics.config.discovery import find_config

    config_path = find_config(config_path, env).path
    values: dict[str, object] = {}
    origins: dict[str, str] = {}  # where each value came from, as an error names it
    intervals = dict(DEFAULT_INTERVALS)
    table, keys, source = _from_file(config_path, values, intervals, origins) if config_path else ({}, {}, BUILTIN)
    _from_env(env, values, intervals, origins)

    def name(key: str) -> str:
        return origins.get(key, _KEYS[key])

    def directory(key: str) -> Path | None:
        return check_dir(name(key), Path(str(values[key])).expanduser()) if values.get(key) else None

    data_dir = directory("data_dir") or _default_data_dir()
    if source.mapped and not values.get("database_url"):
        raise ConfigError(
            f"[source] in {shorten(str(config_path))} maps tables, but no database_url is set: "
            "the mapping describes your database, not the demo one"
        )
    timezone_name = str(values.get("timezone") or "local")
    resolve_timezone(timezone_name)  # fail now, with a clear message, not at the first report
    alerts, policy = read_alerts(table.get("alerts"), config_path, env)  # targets, rules, silences
    return Settings(
        data_dir=data_dir,
        database_url=_url(values, "database_url", name),
        state_url=_url(values, "state_url", name),
        export_dir=directory("export_dir"),
        report_dir=directory("report_dir"),
        log_dir=directory("log_dir"),
        timezone_name=timezone_name,
        smtp=_smtp(values, name),
        disable_auto_sync=parse_bool(name("disable_auto_sync"), values.get("disable_auto_sync", False)),
        history_retention=int(
            parse_number(
                name("history_retention"), values.get("history_retention", 5000), minimum=10, maximum=MAX_RETENTION, whole=True
            )
        ),
        query_timeout=parse_number(name("query_timeout"), values.get("query_timeout", 60), minimum=1, maximum=MAX_QUERY_TIMEOUT),
        job_intervals=intervals,
        alerts=alerts,
        alert_grace=parse_grace(name("alert_grace"), values.get("alert_grace", 3)),
        alert_remind_every=optional_duration(name("alert_remind_every"), values.get("alert_remind_every")),
        alert_policy=policy,
        report_retry_hours=parse_number(
            name("report_retry_hours"), values.get("report_retry_hours", 24), minimum=0, maximum=MAX_RETRY_HOURS
        ),
        report_retry_delay=parse_number(
            name("report_retry_delay"), values.get("report_retry_delay", 60), minimum=1, maximum=MAX_RETRY_DELAY
        ),
        source=source,
        keys=keys,
        rollups=parse_bool(name("rollups"), values.get("rollups", True)),
        rollup_lateness_days=int(
            parse_number(name("rollup_lateness_days"), values.get("rollup_lateness_days", 2), minimum=0, maximum=30, whole=True)
        ),
        access=parse_access(table, shorten(str(config_path)), env),
    )
