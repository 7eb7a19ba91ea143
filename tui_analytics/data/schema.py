"""Table definitions: the source (application analytics, read only) and the app's own state.

Timestamps are stored as naive UTC in every engine, so date bucketing gives the
same answer on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

# Integer primary keys that autoincrement on SQLite too (BigInteger does not there).
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Source timestamps keep their microseconds on MySQL/MariaDB too (a bare DATETIME drops the
# fraction, and the same seed would then count a sign-up in another second than on SQLite).
SourceTime = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

source_metadata = MetaData()

users = Table(
    "users",
    source_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("created_at", SourceTime, nullable=False),
    Index("ix_users_created_at", "created_at"),
)

items = Table(
    "items",
    source_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("category", String(100), nullable=False),
    Column("created_at", SourceTime, nullable=False),
)

activities = Table(
    "activities",
    source_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("item_id", BigId, ForeignKey("items.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("created_at", SourceTime, nullable=False),
    # Covering index: every dataset filters on created_at and reads item_id/user_id,
    # so range scans never touch the table (single-column indexes would make each
    # row of the range a lookup in the table).
    Index("ix_activities_created_item_user", "created_at", "item_id", "user_id"),
    Index("ix_activities_user_created", "user_id", "created_at"),
)

SOURCE_TABLES = ("users", "items", "activities")

state_metadata = MetaData()

report_templates = Table(
    "report_templates",
    state_metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("schedule", String(20), nullable=False),
    Column("cron", String(120), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("format", String(10), nullable=False),
    Column("include_metadata", Boolean, nullable=False, default=True),
    Column("recipients", JSON, nullable=False),
    Column("datasets", JSON, nullable=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("last_generated", DateTime, nullable=True),
    # The last fire time this template's schedule has been served for; catch-up
    # after downtime compares the schedule against it.
    Column("last_scheduled_for", DateTime, nullable=True),
    # Added after the first release (state.add_missing_columns adds them to an older state database).
    Column("skip_empty", Boolean, nullable=True, default=False),  # an empty period makes no file, no e-mail
    Column("max_attachment_mb", Float, nullable=True),  # a larger file is mailed as its path (None: no cap)
    Column("trend_by", String(8), nullable=True),  # day | week | month for the trends (None: their own units)
)

report_runs = Table(
    "report_runs",
    state_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("template_id", String(100), nullable=False),
    Column("template_name", String(200), nullable=False),
    Column("trigger", String(20), nullable=False),  # scheduled | manual | catch-up | backfill
    Column("scheduled_for", DateTime, nullable=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("status", String(20), nullable=False),  # running | writing | completed | failed | interrupted | skipped
    Column("filename", String(500), nullable=True),
    Column("path", Text, nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("content_type", String(100), nullable=True),
    Column("error", Text, nullable=True),
    Column("delivery", JSON, nullable=True),  # {"status": ..., "recipients": {addr: outcome}}
    # The period the report covers (naive UTC; added after the first release, see state.add_missing_columns):
    # a backfill skips the periods a completed run already covers.
    Column("period_start", DateTime, nullable=True),
    Column("period_end", DateTime, nullable=True),
    Index("ix_report_runs_started", "started_at"),
    Index("ix_report_runs_template", "template_id", "started_at"),
)

job_runs = Table(
    "job_runs",
    state_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("job_id", String(50), nullable=False),
    Column("trigger", String(20), nullable=False),  # scheduled | manual
    Column("scheduled_for", DateTime, nullable=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("duration_ms", Float, nullable=True),
    Column("status", String(20), nullable=False),  # running | completed | failed | skipped | interrupted
    Column("error", Text, nullable=True),
    # Which process made the run ("serve (pid 12 on db1)"); added after the first release, so
    # open_state adds it to older databases (see state.add_missing_columns).
    Column("origin", String(200), nullable=True),
    Index("ix_job_runs_job_started", "job_id", "started_at"),
)

app_meta = Table(
    "app_meta",
    state_metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# Values written as JSON text: MEDIUMTEXT on MySQL, whose TEXT stops at 64 KB.
JsonText = Text().with_variant(Text(16_777_215), "mysql")

# The channel between processes sharing a state database (data/state/channel_tables.py): what changed,
# what an attached dashboard or a shell asks the scheduling process to do, and the
# scheduling process's cached analytics for dashboards that do not compute their own.
channel_events = Table(
    "channel_events",
    state_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("origin", String(200), nullable=False),  # "host:pid" of the process that made the change
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", JsonText, nullable=True),
)

channel_commands = Table(
    "channel_commands",
    state_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("origin", String(200), nullable=False),
    Column("op", String(20), nullable=False),  # trigger | clear | invalidate | pause | resume | generate
    Column("argument", String(500), nullable=False),
    Column("status", String(20), nullable=False),  # pending | running | done | failed | expired
    Column("result", Text, nullable=True),
    Column("done_at", DateTime, nullable=True),
    Column("done_by", String(200), nullable=True),
    Index("ix_channel_commands_status", "status", "id"),
)

cache_snapshot = Table(
    "cache_snapshot",
    state_metadata,
    Column("key", String(200), primary_key=True),
    Column("value", JsonText, nullable=False),
    Column("stored_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ttl", Float, nullable=False),
    Column("stale", Boolean, nullable=False, default=False),
    Column("error", Text, nullable=True),
    Column("failed_at", DateTime, nullable=True),
)

# Alerts (tui_analytics/alerts): one row per open incident, so whichever process sees a job or
# report fail first alerts, once, and a restart or another process does not alert again.
alert_incidents = Table(
    "alert_incidents",
    state_metadata,
    Column("subject", String(150), primary_key=True),  # job:<job id> | report:<template id> | rule:<rule name>
    Column("incident_id", String(40), nullable=False),  # closes this incident, not a later one
    Column("kind", String(20), nullable=False),  # the event that opened it: job-failed | job-late | report-failed | data-alert
    Column("name", String(200), nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("notified", Text, nullable=False),  # JSON list of the target names told about it
    Column("revision", Integer, nullable=False, default=0),  # compare-and-set for `notified`
)

# Every alert sent to every target: 'pending' until the last attempt, then 'sent' or 'failed'.
alert_deliveries = Table(
    "alert_deliveries",
    state_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_id", String(40), nullable=False),  # the targets of one alert share it
    Column("at", DateTime, nullable=False),
    Column("subject", String(150), nullable=False),
    Column("kind", String(20), nullable=False),  # job-failed | job-late | report-failed | recovered | test
    Column("target", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("finished_at", DateTime, nullable=True),
    Index("ix_alert_deliveries_subject", "subject", "id"),
)

# Alerts muted by hand (`alerts mute RULE|JOB|all --for 2h`) until `until`: `rule:<name>`, `job:<id>`, `all`.
alert_mutes = Table(
    "alert_mutes",
    state_metadata,
    Column("subject", String(150), primary_key=True),
    Column("muted_until", DateTime, nullable=False),
    Column("muted_at", DateTime, nullable=False),
)

# Per-job overrides set at run time (`jobs pause|resume|interval`, the Jobs pane): the process that
# schedules reads them at start and applies changes at its next poll (processor/jobsettings.py).
job_settings = Table(
    "job_settings",
    state_metadata,
    Column("job_id", String(50), primary_key=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("interval_s", Float, nullable=True),  # None: the configured interval
    Column("updated_at", DateTime, nullable=False),
)

# Every change an operator made (a run, a pause, a template edit, an export...): who, where, what,
# how it ended (data/state/audit.py). Kept [access] audit_days, pruned by the cache-cleanup job.
audit_log = Table(
    "audit_log",
    state_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user", String(200), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("face", String(8), nullable=False),  # tui, web, cli, api
    Column("action", String(40), nullable=False),
    Column("target", String(500), nullable=False),
    Column("outcome", String(500), nullable=False),
    Index("ix_audit_log_at", "at"),
)
