"""Who may do what: `[access]` (read-only mode, what a viewer may export, how long the audit log is
kept) and `[web.users]` (the users `tui-analytics web` lets in, with their password hashes and roles).

    [access]
    read_only = true          # every dashboard and CLI command on this configuration only looks
    read_only_exports = true  # ...but may export (default false: a read-only face exports nothing)
    audit_days = 90           # the audit log keeps this many days (the cache-cleanup job prunes it)

    [web.users]
    alice = { password = "$argon2id$v=19$...", role = "operator" }
    bob = "$argon2id$v=19$..."     # a bare hash: a viewer

`tui-analytics web --hash-password` prints the hash of a password read from the terminal. The
environment: TUI_ANALYTICS_READ_ONLY=1 is read_only = true.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tui_analytics.config.values import parse_bool, parse_number, shorten
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.runtime.redact import register_secret

ROLES = ("viewer", "operator")
READ_ONLY_VARIABLE = "TUI_ANALYTICS_READ_ONLY"
DEFAULT_AUDIT_DAYS = 90.0
_ACCESS_KEYS = {"read_only", "read_only_exports", "audit_days"}


@dataclass(frozen=True)
class WebUser:
    """A user `web` lets in: an argon2 hash of the password, never the password."""

    name: str
    password_hash: str
    role: str = "viewer"

    def __repr__(self) -> str:  # the hash is not a secret to show either
        return f"WebUser(name={self.name!r}, role={self.role!r})"


@dataclass(frozen=True)
class AccessSettings:
    """`[access]` and `[web.users]`."""

    read_only: bool = False
    read_only_exports: bool = False
    audit_days: float = DEFAULT_AUDIT_DAYS
    web_users: tuple[WebUser, ...] = ()

    def user(self, name: str) -> WebUser | None:
        return next((u for u in self.web_users if u.name == name), None)


def parse_access(table: Mapping[str, object], where: str, env: Mapping[str, str]) -> AccessSettings:
    """The access settings from the file's `[access]` and `[web]` tables and the environment."""
    access = table.get("access") or {}
    if not isinstance(access, Mapping):
        raise ConfigError(f"[access] in {where} must be a table")
    unknown = set(access) - _ACCESS_KEYS
    if unknown:
        raise ConfigError(f"unknown setting(s) in [access] of {where}: {', '.join(shorten(k) for k in sorted(unknown))}")
    read_only = parse_bool("access.read_only", access.get("read_only", False))
    if env.get(READ_ONLY_VARIABLE, ""):
        read_only = parse_bool(READ_ONLY_VARIABLE, env[READ_ONLY_VARIABLE])
    return AccessSettings(
        read_only=read_only,
        read_only_exports=parse_bool("access.read_only_exports", access.get("read_only_exports", False)),
        audit_days=parse_number("access.audit_days", access.get("audit_days", DEFAULT_AUDIT_DAYS), minimum=1, maximum=36500),
        web_users=_web_users(table.get("web") or {}, where),
    )


def _web_users(web: object, where: str) -> tuple[WebUser, ...]:
    if not isinstance(web, Mapping) or set(web) - {"users"}:
        raise ConfigError(f"[web] in {where} takes only a [web.users] table")
    users = web.get("users") or {}
    if not isinstance(users, Mapping):
        raise ConfigError(f"[web.users] in {where} must be a table")
    return tuple(_web_user(str(name), entry, where) for name, entry in users.items())


def _web_user(name: str, entry: object, where: str) -> WebUser:
    role = "viewer"
    if isinstance(entry, Mapping):
        unknown = set(entry) - {"password", "role"}
        if unknown:
            raise ConfigError(f"web.users.{shorten(name)} in {where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        role = str(entry.get("role", "viewer"))
        entry = entry.get("password")
    if not isinstance(entry, str) or not entry.startswith("$argon2"):
        raise ConfigError(
            f"web.users.{shorten(name)} in {where} needs a password hash ($argon2id$...: tui-analytics web --hash-password), "
            "never a password"
        )
    if role not in ROLES:
        raise ConfigError(f"web.users.{shorten(name)} in {where}: role must be viewer or operator, got {shorten(role)}")
    if not name or len(name) > 100 or not name.isprintable():
        raise ConfigError(f"web.users in {where}: {shorten(name)} is not a user name")
    register_secret(entry)  # a hash is not shown or logged either
    return WebUser(name=name, password_hash=entry, role=role)


__all__ = ["READ_ONLY_VARIABLE", "ROLES", "AccessSettings", "WebUser", "parse_access"]
