"""Who may open `web`'s dashboard: a login, then a session cookie; without one, no dashboard.

Two ways in, as Jupyter does it:

- a token: with no `[web.users]` configured, `web` makes a random token at start and prints the
  address with `?token=...`; opening it (or pasting the token in the login page) starts a session
  as the user "token", an operator;
- users: `[web.users]` (config/access.py) with argon2 password hashes and a role each, `viewer`
  (a read-only dashboard: ui/access.py) or `operator`.

The session is a random id in a cookie that is HttpOnly, SameSite=Strict, Path=/ and Secure when
the page is served over https (--public-url https://...); the server keeps what it stands for
(user, role, expiry) in memory, so a restart of `web` logs everyone out. The login form is
CSRF-safe twice over: a POST must come from this server's own origin (web_origin.py; the Origin
header browsers send), and carry the token of the `csrf` cookie it was served with (double
submit). Password checks run in a worker thread (argon2 is slow on purpose); an unknown user
costs the same check, so the answer time does not say which users exist.

Imports aiohttp and argon2: only `web` loads this module.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from tui_analytics.cli.web_origin import OriginPolicy
from tui_analytics.config.access import WebUser

log = logging.getLogger("tui_analytics.web")

SESSION_COOKIE = "tui_analytics_session"
CSRF_COOKIE = "tui_analytics_csrf"
SESSION_SECONDS = 12 * 3600.0  # a session ends this long after its login, whatever happens in it
TOKEN_USER = "token"  # who a token login is, in the audit log
MAX_FIELD = 1024  # longer form fields are refused before any hashing


@dataclass(frozen=True)
class WebSession:
    """A logged-in browser: who, with which role, until when (monotonic seconds)."""

    user: str
    role: str
    expires: float


class Authenticator:
    """Sessions of one `web` server: login by token or password, the cookie, the checks."""

    def __init__(
        self,
        users: tuple[WebUser, ...],
        token: str | None,
        origins: OriginPolicy,
        *,
        secure: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from argon2 import PasswordHasher

        self.users = {user.name: user for user in users}
        self.token = token
        self.origins = origins
        self.secure = secure
        self.clock = clock
        self.sessions: dict[str, WebSession] = {}
        self._hasher = PasswordHasher()
        self._dummy: str | None = None  # a hash checked for an unknown user (made on first use)

    # -- sessions ------------------------------------------------------------------

    def session_of(self, request: web.Request) -> WebSession | None:
        """The request's live session, or None (no cookie, an unknown or expired one)."""
        key = request.cookies.get(SESSION_COOKIE, "")
        session = self.sessions.get(key) if key else None
        if session is None:
            return None
        if session.expires <= self.clock():
            del self.sessions[key]
            return None
        return session

    def _start(self, response: web.StreamResponse, user: str, role: str) -> None:
        now = self.clock()
        for key in [k for k, s in self.sessions.items() if s.expires <= now]:
            del self.sessions[key]  # expired ones go whenever someone logs in
        key = secrets.token_urlsafe(32)
        self.sessions[key] = WebSession(user, role, now + SESSION_SECONDS)
        self._cookie(response, SESSION_COOKIE, key)
        log.info("%s logged in (%s)", user, role)

    def _cookie(self, response: web.StreamResponse, name: str, value: str) -> None:
        response.set_cookie(name, value, path="/", httponly=True, samesite="Strict", secure=self.secure)

    # -- the pages -------------------------------------------------------------------

    def token_login(self, request: web.Request) -> web.StreamResponse | None:
        """`/?token=...`: a session and a redirect to the page without the token (None: no token given)."""
        given = request.query.get("token")
        if given is None:
            return None
        if not self._token_matches(given):
            log.warning("refused a token login from %s: wrong token", request.remote)
            return self.login_page("That token is not this server's.", status=401)
        response = _see_root()
        self._start(response, TOKEN_USER, "operator")
        return response

    def _token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def login_page(self, error: str = "", status: int = 200) -> web.Response:
        """The login form, with a fresh CSRF token in its cookie and its hidden field."""
        csrf = secrets.token_urlsafe(24)
        if self.users:
            fields = (
                '<label>User <input name="user" autocomplete="username" autofocus></label>'
                '<label>Password <input name="password" type="password" autocomplete="current-password"></label>'
            )
            hint = "Sign in with your user name and password."
        else:
            fields = '<label>Token <input name="token" type="password" autocomplete="off" autofocus></label>'
            hint = "Open the address with <code>?token=…</code> that <code>tui-analytics web</code> printed, or paste its token."
        problem = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        body = LOGIN_PAGE.format(hint=hint, problem=problem, fields=fields, csrf=html.escape(csrf))
        response = web.Response(text=body, content_type="text/html", status=status)
        self._cookie(response, CSRF_COOKIE, csrf)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        """POST /login: same origin and CSRF token, then the token or the user's password."""
        if not self.origins.allows(request.headers.get("Origin")):
            log.warning("refused a login from %s: origin %r", request.remote, request.headers.get("Origin"))
            return web.Response(status=403, text="forbidden: this page's origin may not log in\n")
        form = await request.post()
        values = {name: str(form.get(name, ""))[: MAX_FIELD + 1] for name in ("csrf", "user", "password", "token")}
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(values["csrf"].encode(), expected.encode()):
            return self.login_page("The form had expired: try again.", status=403)
        if any(len(value) > MAX_FIELD for value in values.values()):
            return self.login_page("Too long.", status=400)
        if not self.users:
            if not self._token_matches(values["token"]):
                log.warning("refused a token login from %s: wrong token", request.remote)
                return self.login_page("That token is not this server's.", status=401)
            user, role = TOKEN_USER, "operator"
        else:
            found = await asyncio.to_thread(self._check_password, values["user"], values["password"])
            if found is None:
                log.warning("refused a login from %s: wrong user name or password", request.remote)
                return self.login_page("Wrong user name or password.", status=401)
            user, role = found.name, found.role
        response = _see_root()
        self._start(response, user, role)
        return response

    def _check_password(self, name: str, password: str) -> WebUser | None:
        """The user whose hash `password` matches (blocking: argon2 takes a while on purpose)."""
        from argon2.exceptions import Argon2Error, InvalidHashError

        user = self.users.get(name)
        if user is None:
            if self._dummy is None:
                self._dummy = self._hasher.hash(secrets.token_hex(16))
            stored = self._dummy
        else:
            stored = user.password_hash
        try:
            self._hasher.verify(stored, password)
        except (Argon2Error, InvalidHashError):
            return None
        return user

    async def logout(self, request: web.Request) -> web.StreamResponse:
        """POST /logout (same origin): the session ends here and in the browser."""
        if not self.origins.allows(request.headers.get("Origin")):
            return web.Response(status=403, text="forbidden\n")
        self.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response = _see_root()
        response.del_cookie(SESSION_COOKIE, path="/")
        return response


def _see_root() -> web.Response:
    # A 303 to the page without the token or the form in its address (a Response: aiohttp
    # deprecates returning its HTTPException classes).
    return web.Response(status=303, headers={"Location": "/"})


def hash_password(password: str) -> str:
    """The argon2id hash `[web.users]` takes for `password`."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tui-analytics: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #1e1e1e; color: #ddd; display: grid; place-items: center;
  min-height: 90vh; }}
form {{ background: #2a2a2a; padding: 2em; border-radius: 6px; display: grid; gap: 1em; min-width: 20em; }}
label {{ display: grid; gap: .3em; }} input {{ padding: .4em; font-size: 1em; }}
.error {{ color: #ff8080; }} button {{ padding: .5em; font-size: 1em; }}
</style></head>
<body><form id="login" method="post" action="/login">
<h1>tui-analytics</h1><p>{hint}</p>{problem}
<input type="hidden" name="csrf" value="{csrf}">
{fields}
<button type="submit">Sign in</button>
</form></body></html>
"""

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "Authenticator", "WebSession", "hash_password"]
