"""The `[[alerts]]` entries of the TOML file: where alerts go and for which events.

Each entry is one target, a webhook (`url`) or e-mail addresses (`email`, sent
through the SMTP settings), with the events it wants in `on`. Every mistake is one
ConfigError line naming the entry and the key (`alerts[2].on: ...`); a URL is never
quoted back (its path or query may be the webhook's secret).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from tui_analytics.config.alert_rules import AlertPolicy, parse_duration, parse_policy, split_alerts
from tui_analytics.config.notify_urls import url_problem
from tui_analytics.config.values import check_sender, parse_bool, parse_number, shorten
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.runtime.redact import is_notification_url, mask_destination, register_secret

JOB_FAILED = "job-failed"
JOB_LATE = "job-late"
REPORT_FAILED = "report-failed"
NOTIFY = "notify"  # a target whose url is a notification URL (slack://, json://, ...) sent through apprise
RECOVERED = "recovered"
DATA_ALERT = "data-alert"  # an [[alerts.rules]] condition became true (config/alert_rules.py)
EVENTS = (JOB_FAILED, JOB_LATE, REPORT_FAILED, DATA_ALERT, RECOVERED)

DEFAULT_SECRET_HEADER = "X-Tui-Analytics-Secret"
DEFAULT_TIMEOUT = 10.0
DEFAULT_ATTEMPTS = 4
MAX_ATTEMPTS = 10

_KEYS = frozenset(
    {"name", "on", "url", "email", "slack", "secret", "secret_env", "secret_header", "timeout", "attempts"}
    | {"remind_every", "signing_secret", "signing_secret_env"}
)
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,60}")
_UNSENDABLE = re.compile(r"[^\x21-\x7e]")  # what http.client refuses to send, and quotes back in its error
MIN_MASKED_PATH = 8  # a webhook path this long is treated as its secret ("/hooks" is not one)


@dataclass(frozen=True)
class AlertTarget:
    """One `[[alerts]]` entry. `name` is unique among the targets (given, or made from the host or address)."""

    name: str
    on: frozenset[str]
    url: str | None = field(default=None, repr=False)  # the path may be the webhook's secret
    email: tuple[str, ...] = ()
    slack: bool = False
    secret: str | None = field(default=None, repr=False)
    secret_header: str = DEFAULT_SECRET_HEADER
    timeout: float = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    remind_every: float | None = None  # seconds between reminders while an incident stays open
    signing_secret: str | None = field(default=None, repr=False)  # HMAC-SHA256 key of the body's signature

    @property
    def kind(self) -> str:
        """webhook (http/https), notify (a notification URL apprise sends: slack://, json://...) or email."""
        if self.url:
            return "webhook" if self.url.lower().startswith(("http://", "https://")) else NOTIFY
        return "email"

    @property
    def where(self) -> str:
        """Where it sends, safe to show: the webhook's scheme and host (no path, no query), a
        notification URL masked, or the addresses."""
        if self.url and self.kind == NOTIFY:
            return mask_destination(self.url)
        if self.url:
            parts = urlsplit(self.url)
            return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/..."
        return ", ".join(self.email)

    def wants(self, event: str) -> bool:
        return event in self.on


def read_alerts(value: object, path: object, env: Mapping[str, str]) -> tuple[tuple[AlertTarget, ...], AlertPolicy | None]:
    """The file's `alerts` value (None: not set): the `[[alerts]]` targets, and the rules and silences TOML put among them."""
    if value is None:
        return (), None
    targets, rules, silences = split_alerts(value)
    return parse_alerts(targets, path, env=env), parse_policy(rules, silences, path)


def parse_alerts(value: object, path: object, *, env: Mapping[str, str] | None = None) -> tuple[AlertTarget, ...]:
    """The targets of the file's `alerts` value (an array of tables). An e-mail target without SMTP
    settings is accepted, as a report's recipients are: its deliveries fail, saying so."""
    env = os.environ if env is None else env
    if value is None:  # `alerts` held only [[alerts.rules]] or [[alerts.silence]]
        return ()
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ConfigError(f"alerts in {path} must be an array of tables ([[alerts]] entries), got {shorten(value)}")
    targets = [_target(entry, f"alerts[{index}]", path, env) for index, entry in enumerate(value, 1)]
    return _unique_names(targets, path)


def _target(entry: Mapping[str, object], key: str, path: object, env: Mapping[str, str]) -> AlertTarget:
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(
            f"unknown key(s) in {key} of {path}: {', '.join(shorten(k) for k in unknown)} (use {', '.join(sorted(_KEYS))})"
        )
    on = _events(entry.get("on"), f"{key}.on")
    given_url, email = entry.get("url"), entry.get("email")
    if (given_url is None) == (email is None):
        raise ConfigError(
            f"{key} in {path} needs url (a webhook) or email (addresses), one of the two: make two [[alerts]] entries for both"
        )
    url: str | None = None
    if given_url is not None:
        url = _url(given_url, f"{key}.url")
        addresses: tuple[str, ...] = ()
        if not url.lower().startswith(("http://", "https://")):
            for option in ("slack", "secret", "secret_env", "secret_header", "signing_secret", "signing_secret_env"):
                if option in entry:
                    raise ConfigError(f"{key}.{option} in {path} applies to an http(s) webhook, not to a notification URL")
    else:
        addresses = _addresses(email, f"{key}.email")
        for option in ("slack", "secret", "secret_env", "secret_header", "signing_secret", "signing_secret_env"):
            if option in entry:
                raise ConfigError(f"{key}.{option} in {path} applies to a webhook (url), not to e-mail")
    secret = _secret(entry, key, env)
    signing = _secret(entry, key, env, "signing_secret")
    header = entry.get("secret_header", DEFAULT_SECRET_HEADER)
    if not isinstance(header, str) or not _HEADER.fullmatch(header):
        raise ConfigError(f"{key}.secret_header must be an HTTP header name (letters, digits, -), got {shorten(header)}")
    name = _name(entry.get("name"), key)
    return AlertTarget(
        name=name or _default_name(url, addresses),
        on=on,
        url=url,
        email=addresses,
        slack=parse_bool(f"{key}.slack", entry.get("slack", False)),
        secret=secret,
        secret_header=header,
        timeout=parse_number(f"{key}.timeout", entry.get("timeout", DEFAULT_TIMEOUT), minimum=1, maximum=300),
        attempts=int(
            parse_number(f"{key}.attempts", entry.get("attempts", DEFAULT_ATTEMPTS), minimum=1, maximum=MAX_ATTEMPTS, whole=True)
        ),
        remind_every=parse_duration(f"{key}.remind_every", entry["remind_every"]) if "remind_every" in entry else None,
        signing_secret=signing,
    )


def _name(value: object, key: str) -> str | None:
    """The given name, stripped (None when not given)."""
    if value is None:
        return None
    if not isinstance(value, str) or not _NAME.fullmatch(value) or not value.strip():
        raise ConfigError(f"{key}.name must be text of 1 to 60 characters, got {shorten(value)}")
    return value.strip()


def _events(value: object, key: str) -> frozenset[str]:
    usage = f"(use {', '.join(EVENTS)})"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of events {usage}, got {shorten(value)}")
    for event in value:
        if event not in EVENTS:
            raise ConfigError(f"{key}: unknown event {shorten(event)} {usage}")
    if set(value) == {RECOVERED}:
        raise ConfigError(
            f"{key}: 'recovered' alone never fires: it ends an incident the target was told about "
            f"(add {JOB_FAILED}, {JOB_LATE} or {REPORT_FAILED})"
        )
    return frozenset(value)


def _url(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a URL in quotes (http:// or https://, or a notification URL such as slack://)")
    if is_notification_url(value) and not value.strip().lower().startswith(("http://", "https://")):
        problem = url_problem(value)  # registers it with the redaction net too
        if problem is not None:
            raise ConfigError(f"{key} must start with http:// or https://, or be a notification URL: {problem}")
        return value.strip()
    try:
        parts = urlsplit(value.strip())
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise ConfigError(f"{key} has an invalid host or port") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{key} must start with http:// or https://")
    if not host:
        raise ConfigError(f"{key} needs a host name")
    # The URL itself is never quoted back: its path or query is often the webhook's secret.
    if _UNSENDABLE.search(value.strip()):
        raise ConfigError(f"{key} holds a space, a control or a non-ASCII character: percent-encode it (%20 for a space)")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"{key} holds a user name or password (user:password@host), which is not sent: "
            "use secret or secret_env (a header) instead"
        )
    secret_part = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(secret_part) >= MIN_MASKED_PATH:
        register_secret(secret_part)  # masked wherever it turns up: an error, the log, the deliveries table
    return value.strip()


def _addresses(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of e-mail addresses, got {shorten(value)}")
    return tuple(dict.fromkeys(check_sender(key, address.strip()) for address in value))


def _secret(entry: Mapping[str, object], key: str, env: Mapping[str, str], option: str = "secret") -> str | None:
    """A secret (the header's, or the signing key): given (`secret`), or read from the variable `secret_env` names."""
    if option in entry and f"{option}_env" in entry:
        raise ConfigError(f"{key}: give {option} or {option}_env, not both")
    if f"{option}_env" in entry:
        variable = entry[f"{option}_env"]
        if not isinstance(variable, str) or not variable.strip():
            raise ConfigError(f"{key}.{option}_env must name an environment variable, got {shorten(variable)}")
        if not env.get(variable):
            raise ConfigError(f"{key}.{option}_env names {shorten(variable)}, which is not set (or empty)")
        register_secret(env[variable])
        return env[variable]
    secret = entry.get(option)
    if secret is None:
        return None
    if not isinstance(secret, str) or not secret or re.search(r"[\x00-\x1f\x7f]", secret):
        raise ConfigError(f"{key}.{option} must be text in quotes, without control characters")  # not quoted back
    register_secret(secret)
    return secret


def _default_name(url: str | None, addresses: tuple[str, ...]) -> str:
    if url and is_notification_url(url) and not url.lower().startswith(("http://", "https://")):
        return mask_destination(url)
    if url:
        parts = urlsplit(url)
        return f"webhook {parts.hostname}{f':{parts.port}' if parts.port else ''}"
    more = f" +{len(addresses) - 1}" if len(addresses) > 1 else ""
    return f"e-mail {addresses[0]}{more}"


def _unique_names(targets: list[AlertTarget], path: object) -> tuple[AlertTarget, ...]:
    """Made-up names get a number when two would be the same; two given names alike are an error."""
    seen: dict[str, int] = {}
    out: list[AlertTarget] = []
    for index, target in enumerate(targets, 1):
        name = target.name
        if name in seen:
            if not target.name.startswith(("webhook ", "e-mail ")):
                raise ConfigError(
                    f"alerts[{index}].name {shorten(name)} in {path} is also alerts[{seen[name]}]'s: names must differ"
                )
            name = f"{name} ({index})"
        seen[name] = index
        out.append(target if name == target.name else replace(target, name=name))
    return tuple(out)
