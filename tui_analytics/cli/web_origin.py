"""Which web pages may open a `web` session: the dashboard's own page, nobody else's.

A browser lets any page open a WebSocket to any address and sends the page's origin with it;
without this check a page on any site, open in the operator's browser, could drive the
dashboard on 127.0.0.1 (cross-site WebSocket hijacking). The Host header is not trusted for
this: a name the attacker controls can resolve to 127.0.0.1 (DNS rebinding), so only the
origins this server is configured for are accepted, and, for a server listening on a
loopback or wildcard address, the same port reached by an IP literal or a loopback name.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased, default ports dropped; None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("http", "https") or not host:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets in an origin
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class OriginPolicy:
    """The origins allowed to open a session on a server listening on `host`:`port`."""

    def __init__(self, host: str, port: int, public_url: str | None) -> None:
        self.port = port
        self.listen_host = host.strip("[]")
        allowed = {origin_of(f"http://{_bracketed(self.listen_host)}:{port}")}
        if public_url:
            allowed.add(origin_of(public_url))
        if self._loopback_or_wildcard():
            allowed.update(origin_of(f"http://{name}:{port}") for name in LOOPBACK_NAMES)
        self.allowed = frozenset(origin for origin in allowed if origin)

    def allows(self, origin: str | None) -> bool:
        """Whether a WebSocket sent with this Origin header may start a dashboard.

        No Origin header means no browser sent it (a browser always does on a WebSocket):
        such a client could send any header it liked, so refusing it protects nothing.
        """
        if origin is None:
            return True
        normal = origin_of(origin)
        if normal is None:
            return False  # "null" (a sandboxed frame, a file:// page) and anything unparsable
        if normal in self.allowed:
            return True
        # Listening on every address: the page may be reached at any of this machine's IP addresses.
        # An IP literal cannot be re-pointed by DNS, so it is accepted on the server's own port.
        return self.listen_host in WILDCARD_HOSTS and _is_ip_literal_on(normal, self.port)

    def _loopback_or_wildcard(self) -> bool:
        if self.listen_host in WILDCARD_HOSTS or self.listen_host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.listen_host).is_loopback
        except ValueError:
            return False


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_ip_literal_on(origin: str, port: int) -> bool:
    parts = urlsplit(origin)
    if parts.scheme != "http" or parts.port != port or not parts.hostname:
        return False
    try:
        ipaddress.ip_address(parts.hostname)
    except ValueError:
        return False
    return True
