"""The curators' link checker: ``python -m bot links [--knowledge DIR] [--json]``.

Every link of every item is checked once (the same URL in several items is fetched once), several at a
time but never more than ``concurrency`` at once and at most ``per_host`` against one site. Each request
has a timeout; timeouts, dropped connections, 429 and 5xx answers are retried with a growing pause.
Redirects are followed by hand (at most ``max_redirects``) so the report can show where a link now leads.

The HTTP client is the standard library's (``urllib.request``): it verifies TLS certificates against the
system's trust store and honours the usual proxy variables (``HTTPS_PROXY``, ``NO_PROXY``), and it adds no
dependency to the core (``tests/test_boundaries.py`` keeps third-party HTTP clients out of ``bot/``).

Each link ends in one outcome:

- ``ok``: answered 2xx at the same address (an http-to-https upgrade, a ``www.`` or trailing-slash change,
  or a redirect by a DOI or handle resolver counts as the same address);
- ``redirected``: answered 2xx, but at another page or site; update the link to the final address;
- ``blocked``: the site refused an automatic check (401, 403, 429 after retries); open it in a browser;
- ``broken``: 404, 410, another 4xx or 5xx after retries, a timeout, a TLS or connection error, or a
  redirect loop. The command exits 1 when any link is broken.

Separately, ``https`` is false for a link written as ``http://`` or ending on an ``http://`` page.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPException, HTTPResponse
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.knowledge import KnowledgeBase

OK, REDIRECTED, BLOCKED, BROKEN = "ok", "redirected", "blocked", "broken"
OUTCOMES = (BROKEN, REDIRECTED, BLOCKED, OK)
USER_AGENT = "Mozilla/5.0 (compatible; evidence-bot-link-checker/1.0; curators' monthly link check)"
RESOLVERS = frozenset({"doi.org", "dx.doi.org", "hdl.handle.net", "n2t.net", "purl.org"})
"""Hosts whose job is to redirect elsewhere: landing on another site from these is expected, not a move."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BLOCKED_STATUSES = frozenset({401, 403, 429})


@dataclass(frozen=True, slots=True)
class LinkUse:
    """Where a URL appears: the item and the link's title."""

    item: str
    title: str
    path: str


@dataclass
class LinkResult:
    url: str
    outcome: str = OK
    status: int | None = None
    final_url: str = ""
    redirects: list[str] = field(default_factory=list)
    error: str = ""
    attempts: int = 0
    uses: list[LinkUse] = field(default_factory=list)

    @property
    def https(self) -> bool:
        """Written as https and, if it was followed anywhere, still https at the end."""
        return all(urlsplit(u).scheme.lower() == "https" for u in (self.url, self.final_url or self.url))

    @property
    def note(self) -> str:
        """One line for the table: what happened, in a curator's words."""
        if self.outcome == BROKEN:
            return self.error or f"HTTP {self.status}"
        if self.outcome == BLOCKED:
            return f"HTTP {self.status}: the site refused an automatic check; open it in a browser"
        if self.outcome == REDIRECTED:
            hops = len(self.redirects)
            return f"now at {self.final_url} ({hops} redirect{'s' if hops != 1 else ''})"
        return "" if self.https else "not HTTPS: use the https:// address if the site has one"

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outcome": self.outcome,
            "https": self.https,
            "status": self.status,
            "final_url": self.final_url or None,
            "redirects": list(self.redirects),
            "error": self.error or None,
            "attempts": self.attempts,
            "items": [{"id": u.item, "title": u.title, "path": u.path} for u in self.uses],
        }


@dataclass(frozen=True)
class LinkReport:
    results: list[LinkResult]
    checked_at: dt.datetime

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def insecure(self) -> int:
        return sum(1 for r in self.results if not r.https)

    @property
    def broken(self) -> bool:
        return any(r.outcome == BROKEN for r in self.results)

    def problems(self) -> list[LinkResult]:
        """Every link that needs a curator's attention, worst first."""
        flagged = [r for r in self.results if r.outcome != OK or not r.https]
        return sorted(flagged, key=lambda r: (OUTCOMES.index(r.outcome), r.url))

    def to_json(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "links": len(self.results),
            "counts": {**{o: self.count(o) for o in OUTCOMES}, "not_https": self.insecure},
            "results": [r.to_json() for r in sorted(self.results, key=lambda r: (OUTCOMES.index(r.outcome), r.url))],
        }


def collect_links(kb: KnowledgeBase) -> dict[str, list[LinkUse]]:
    """Every distinct URL in the knowledge base, with where it is used, in file order."""
    found: dict[str, list[LinkUse]] = {}
    for item in kb.items:
        for link in item.links:
            found.setdefault(link.url, []).append(LinkUse(item=item.id, title=link.title, path=item.path))
    return found


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx back to the caller, which follows it and records the hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _same_address(first: str, final: str) -> bool:
    """The same page, allowing http->https, a ``www.`` prefix, letter case of the host and a trailing slash."""

    def norm(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        return host, parts.path.rstrip("/") or "/", parts.query

    return norm(first) == norm(final)


def _describe(exc: BaseException) -> tuple[str, bool]:
    """A curator's description of a failed request, and whether trying again might help."""
    reason: BaseException | str = exc
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS error: certificate not trusted ({reason.verify_message})", False
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {reason.reason or reason}", False
    if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
        return "timed out", True
    if isinstance(reason, socket.gaierror):
        return "host name not found", False
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused", True
    if isinstance(reason, (ConnectionError, HTTPException, OSError)):
        return f"connection failed: {reason}", True
    return f"request failed: {reason}", False


class LinkChecker:
    """Checks URLs with bounded concurrency, timeouts, retries and hand-followed redirects."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        retries: int = 2,
        concurrency: int = 8,
        per_host: int = 2,
        max_redirects: int = 10,
        backoff: float = 1.0,
        ssl_context: ssl.SSLContext | None = None,
        proxies: dict[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.retries = max(0, retries)
        self.concurrency = max(1, concurrency)
        self.per_host = max(1, per_host)
        self.max_redirects = max_redirects
        self.backoff = backoff
        self.sleep = sleep
        handlers: list[urllib.request.BaseHandler] = [
            _NoRedirect(),
            urllib.request.HTTPSHandler(context=ssl_context or ssl.create_default_context()),
        ]
        if proxies is not None:  # None: the environment's proxy settings; {}: no proxy at all
            handlers.append(urllib.request.ProxyHandler(proxies))
        self._opener = urllib.request.build_opener(*handlers)
        self._hosts: dict[str, threading.Semaphore] = {}
        self._hosts_lock = threading.Lock()

    def check_all(self, urls: Iterable[str]) -> list[LinkResult]:
        """Check each URL once, ``concurrency`` at a time; results in the order given."""
        unique = list(dict.fromkeys(urls))
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="links") as pool:
            return list(pool.map(self.check, unique))

    def check(self, url: str) -> LinkResult:
        result = LinkResult(url=url)
        current = url
        seen = {url}
        while True:
            status, location, error, attempts = self._fetch(current)
            result.attempts += attempts
            result.status = status
            if error:
                result.outcome, result.error = BROKEN, error
                break
            if status is not None and 300 <= status < 400 and location:
                target = urljoin(current, location)
                if len(result.redirects) >= self.max_redirects or target in seen:
                    result.outcome = BROKEN
                    result.error = f"redirect loop or more than {self.max_redirects} redirects"
                    break
                result.redirects.append(target)
                seen.add(target)
                current = target
                continue
            result.final_url = current if result.redirects else ""
            result.outcome = self._judge(url, current, status)
            if result.outcome == BROKEN and not result.error:
                result.error = f"HTTP {status}" + (" (gone)" if status == 410 else "")
            break
        if result.outcome == BROKEN and result.redirects:
            result.final_url = current
        return result

    def _judge(self, first: str, final: str, status: int | None) -> str:
        if status is None or not 200 <= status < 300:
            return BLOCKED if status in BLOCKED_STATUSES else BROKEN
        if _same_address(first, final):
            return OK
        if (urlsplit(first).hostname or "").lower() in RESOLVERS:
            return OK
        return REDIRECTED

    def _host_slot(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._hosts_lock:
            return self._hosts.setdefault(host, threading.Semaphore(self.per_host))

    def _fetch(self, url: str) -> tuple[int | None, str, str, int]:
        """(status, Location header, error, attempts) for one address, retrying what may be passing."""
        attempts = 0
        status: int | None = None
        location = error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            attempts += 1
            with self._host_slot(url):
                status, location, error, retry = self._request(url, "HEAD")
                if not error and status is not None and status >= 400:  # some servers refuse HEAD only
                    status, location, error, retry = self._request(url, "GET")
            if not retry:
                break
        return status, location, error, attempts

    def _request(self, url: str, method: str) -> tuple[int | None, str, str, bool]:
        """One request: (status, Location, error, worth retrying)."""
        request = urllib.request.Request(
            url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.8"}
        )
        try:
            response: HTTPResponse = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.headers.get("Location", "") or "", "", exc.code in RETRY_STATUSES
        except (urllib.error.URLError, OSError, HTTPException, ValueError) as exc:
            message, retry = _describe(exc)
            return None, "", message, retry
        with response:
            if method == "GET":
                try:
                    response.read(1024)  # a little of the body proves the server really answers
                except (OSError, HTTPException) as exc:
                    message, retry = _describe(exc)
                    return None, "", message, retry
            return response.status, response.headers.get("Location", "") or "", "", response.status in RETRY_STATUSES


def check_knowledge_links(kb: KnowledgeBase, checker: LinkChecker | None = None) -> LinkReport:
    """Check every link in the knowledge base."""
    uses = collect_links(kb)
    results = (checker or LinkChecker()).check_all(uses)
    for result in results:
        result.uses = uses.get(result.url, [])
    return LinkReport(results=results, checked_at=dt.datetime.now(dt.UTC))


def summary_line(report: LinkReport) -> str:
    counts = ", ".join(f"{report.count(o)} {o}" for o in OUTCOMES)
    return f"{len(report.results)} link(s) checked: {counts}; {report.insecure} not HTTPS"


def table_rows(report: LinkReport) -> Sequence[tuple[str, str, str, str]]:
    """(outcome, url, what happened, used in) for every link that needs attention."""
    rows = []
    for result in report.problems():
        outcome = result.outcome if result.https or result.outcome != OK else "not https"
        used = ", ".join(dict.fromkeys(u.item for u in result.uses))
        rows.append((outcome, result.url, result.note, used))
    return rows
