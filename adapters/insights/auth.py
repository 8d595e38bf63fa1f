"""Who may see the insights page: the token (``BOT_INSIGHTS_TOKEN``) typed into a login form, or a trusted
header set by the council's single sign-on proxy (``BOT_INSIGHTS_SSO_HEADER``).

A correct token gets a session cookie: ``v1.<expiry>.<nonce>.<HMAC>``, signed with a key derived from the token
(so changing the token ends every session), ``HttpOnly``, ``SameSite=Strict``, ``Path=/insights``, and
``Secure`` whenever the request came over https (directly or through a proxy that says so). Tokens and
signatures are compared in constant time. Failed attempts are limited per client address and overall, so
guessing is slow however many addresses an attacker has; the count is kept in memory, per process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

COOKIE = "evidence_insights"
SESSION_SECONDS = 12 * 3600
MAX_FAILURES_PER_CLIENT = 5
MAX_FAILURES_OVERALL = 50
FAILURE_WINDOW_SECONDS = 15 * 60
MAX_CLIENTS_TRACKED = 10_000


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "replace")).digest()


@dataclass
class FailureLimiter:
    """Failed logins in a sliding window: at most ``per_client`` per address and ``overall`` in all."""

    per_client: int = MAX_FAILURES_PER_CLIENT
    overall: int = MAX_FAILURES_OVERALL
    window: float = FAILURE_WINDOW_SECONDS
    _clients: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str, now: float | None = None) -> int:
        """Seconds until ``client`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._expire(now)
            waits = [0.0]
            mine = self._clients.get(client)
            if mine is not None and len(mine) >= self.per_client:
                waits.append(mine[0] + self.window - now)
            if len(self._all) >= self.overall:
                waits.append(self._all[0] + self.window - now)
            return int(max(waits) + 0.999)

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._expire(now)
            if client not in self._clients and len(self._clients) >= MAX_CLIENTS_TRACKED:
                self._clients.pop(next(iter(self._clients)))
            self._clients.setdefault(client, deque()).append(now)
            self._all.append(now)

    def _expire(self, now: float) -> None:
        cutoff = now - self.window
        while self._all and self._all[0] <= cutoff:
            self._all.popleft()
        for key in [k for k, times in self._clients.items() if not times or times[-1] <= cutoff]:
            del self._clients[key]
        for times in self._clients.values():
            while times and times[0] <= cutoff:
                times.popleft()


class Gate:
    """Checks tokens, issues and verifies session cookies, and reads the single sign-on header."""

    def __init__(self, token: str, sso_header: str = "", *, session_seconds: int = SESSION_SECONDS) -> None:
        if not token:
            raise ValueError("the insights page needs a token")
        self._token = _digest(token)
        self._key = hmac.new(token.encode(), b"evidence-bot insights session v1", hashlib.sha256).digest()
        self.sso_header = sso_header
        self.session_seconds = session_seconds
        self.limiter = FailureLimiter()

    def token_ok(self, given: str) -> bool:
        """Constant time, whatever the length of ``given``."""
        return hmac.compare_digest(_digest(given), self._token)

    def new_session(self, now: float | None = None) -> str:
        expiry = int((time.time() if now is None else now) + self.session_seconds)
        body = f"v1.{expiry}.{secrets.token_urlsafe(16)}"
        return f"{body}.{self._sign(body)}"

    def session_ok(self, cookie: str | None, now: float | None = None) -> bool:
        if not cookie or len(cookie) > 200:
            return False
        body, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(self._sign(body), signature):
            return False
        parts = body.split(".")
        if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit():
            return False
        return int(parts[1]) > (time.time() if now is None else now)

    def sso_user(self, headers: object) -> str:
        """The user named by the single sign-on header, or empty (not configured, or not sent)."""
        if not self.sso_header:
            return ""
        value = getattr(headers, "get", lambda _name, _default="": "")(self.sso_header, "")
        return str(value).strip()[:200]

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
