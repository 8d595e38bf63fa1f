"""The insights page, served by the web process under ``/insights`` when ``BOT_INSIGHTS_TOKEN`` is set.

Three views, each with a date range (``?since=`` takes what ``--since`` takes) and a CSV download per table:

- ``/insights/gaps``: grouped unanswered, unsure, "none of these" and not-helpful questions, with counts,
  redacted example wordings, the nearest item and a trend;
- ``/insights/usage``: questions per week by surface, answer and helpful rates over time, most answered and
  most shared items;
- ``/insights/coverage``: items per theme by evidence strength and by effect, items due for review.

The figures come from ``bot.dashboard`` (the same functions as ``python -m bot gaps/stats/coverage/stale``);
charts are SVG drawn on the server (``charts.py``); the HTML has no script at all (``pages.py``). Access is the
token's login form or a single sign-on header (``auth.py``). Read-only: the only POSTs log in and out.
Every response carries a strict Content-Security-Policy (no script, no inline style, no framing).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from aiohttp import web

from adapters.insights.auth import COOKIE, Gate
from adapters.insights.pages import VIEWS, error_page, login_page, view_page
from adapters.pools import run_in
from bot.dashboard import PERIODS, View, coverage_view, gaps_view, parse_since, usage_view
from bot.errors import ConfigError
from bot.runtime import Runtime

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {"insights.css": "text/css", "favicon.svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # not no-referrer: Chrome then sends "Origin: null" on our own forms
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
VIEW_KEYS = tuple(key for key, _ in VIEWS)
INSIGHTS_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="insights")
"""Building a view reads the store and draws charts: off the event loop, and never on Slack's or /healthz's
threads."""

GATE: web.AppKey[Gate] = web.AppKey("insights_gate", Gate)


def check_available() -> None:
    """``ConfigError`` (one line at start-up) when the charting library is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError("the insights page needs matplotlib: pip install -e '.[insights]'") from None


def add_insights_routes(app: web.Application, runtime: Runtime) -> None:
    """Serve ``/insights`` on ``app``: needs ``runtime.settings.insights_token``."""
    settings = runtime.settings
    gate = Gate(settings.insights_token, settings.insights_sso_header)
    app[GATE] = gate
    from adapters.insights.charts import render_svg  # matplotlib: imported at start-up, not on the first page

    def build(view: str, since_text: str) -> tuple[View, dict[str, str]]:
        built = build_view(runtime, view, since_text)
        return built, {c.key: render_svg(c) for c in built.charts if not c.empty}

    def signed_in(request: web.Request) -> bool:
        return bool(gate.sso_user(request.headers)) or gate.session_ok(request.cookies.get(COOKIE))

    async def index(request: web.Request) -> web.StreamResponse:
        _redirect("/insights/gaps" if signed_in(request) else "/insights/login")

    async def login_form(request: web.Request) -> web.StreamResponse:
        if signed_in(request):
            _redirect("/insights/gaps")
        return _html(login_page())

    async def login(request: web.Request) -> web.StreamResponse:
        _same_origin(request)
        client = request.remote or "unknown"
        wait = gate.limiter.retry_after(client)
        if wait:
            minutes = max(1, round(wait / 60))
            log.warning("insights: login refused, too many failed attempts")
            page = login_page(f"Too many wrong tokens. Try again in {minutes} minute{'s' if minutes > 1 else ''}.")
            return _html(page, status=429, headers={"Retry-After": str(wait)})
        form = await request.post()
        given = form.get("token")
        if isinstance(given, str) and given and gate.token_ok(given):
            response = web.HTTPSeeOther("/insights/gaps")
            response.set_cookie(
                COOKIE,
                gate.new_session(),
                max_age=gate.session_seconds,
                path="/insights",
                httponly=True,
                samesite="Strict",
                secure=_https(request),
            )
            _secure(response)
            log.info("insights: signed in with the token")
            raise response
        gate.limiter.failed(client)
        log.warning("insights: a login failed (wrong token)")
        return _html(login_page("That token is not right. Check it and try again."), status=401)

    async def logout(request: web.Request) -> web.StreamResponse:
        _same_origin(request)
        response = web.HTTPSeeOther("/insights/login")
        response.del_cookie(COOKIE, path="/insights")
        _secure(response)
        raise response

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        body = (STATIC_DIR / name).read_bytes()
        response = web.Response(body=body, content_type=STATIC_FILES[name])
        response.headers["Cache-Control"] = "public, max-age=3600"
        return _secure(response)

    async def page(request: web.Request) -> web.StreamResponse:
        view = request.match_info["view"]
        if view not in VIEW_KEYS:
            return _html(error_page("Page not found", "There is no such insights page."), status=404)
        if not signed_in(request):
            _redirect("/insights/login")
        since_text = request.query.get("since", "").strip()[:40]
        try:
            built, charts = await run_in(INSIGHTS_POOL, build, view, since_text)
        except ValueError:
            message = f"{since_text!r} is not a date range: use a date (2026-11-01) or a period (30d, 8w)."
            return _html(error_page("Date range not understood", message), status=400)
        return _html(
            view_page(
                built,
                charts,
                since=since_text,
                since_label=_since_label(since_text),
                sso_user=gate.sso_user(request.headers),
            )
        )

    async def table_csv(request: web.Request) -> web.StreamResponse:
        view, key = request.match_info["view"], request.match_info["table"]
        if view not in VIEW_KEYS:
            raise web.HTTPNotFound()
        if not signed_in(request):
            _redirect("/insights/login")
        since_text = request.query.get("since", "").strip()[:40]
        try:
            built = await run_in(INSIGHTS_POOL, build_view, runtime, view, since_text)
        except ValueError:
            raise web.HTTPBadRequest(text="not a date range: use a date (2026-11-01) or a period (30d, 8w)") from None
        table = next((t for t in built.tables if t.key == key), None)
        if table is None:
            raise web.HTTPNotFound()
        suffix = f"-since-{since_text}" if since_text else ""
        response = web.Response(
            text=table.csv_text(spreadsheet_safe=True),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="evidence-bot-{key}{_filename(suffix)}.csv"'},
        )
        response.headers["Cache-Control"] = "no-store"
        return _secure(response)

    app.router.add_get("/insights", index)
    app.router.add_get("/insights/", index)
    app.router.add_get("/insights/login", login_form)
    app.router.add_post("/insights/login", login)
    app.router.add_post("/insights/logout", logout)
    app.router.add_get("/insights/static/{name}", static)
    app.router.add_get("/insights/{view}", page)
    app.router.add_get(r"/insights/{view}/{table:[a-z0-9-]+}.csv", table_csv)
    log.info("insights page on /insights%s", " (single sign-on header accepted)" if gate.sso_header else "")


def build_view(runtime: Runtime, view: str, since_text: str) -> View:
    """One view's figures over the current library and the store; ``ValueError`` for a bad date range."""
    since = parse_since(since_text)
    library = runtime.library  # one complete library for the whole view, even if a reload lands meanwhile
    if view == "gaps":
        return gaps_view(runtime.store, library.engine, since)
    if view == "usage":
        return usage_view(runtime.store, since, library.kb)
    return coverage_view(library.kb, library.glossary)


def _since_label(since_text: str) -> str:
    known = dict(PERIODS)
    if not since_text:
        return "everything stored"
    if since_text in known:
        return known[since_text].lower()
    return f"since {since_text}"


def _filename(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def _https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"


def _same_origin(request: web.Request) -> None:
    """Refuse a POST whose browser says it came from another site (cookies are SameSite=Strict as well)."""
    origin = request.headers.get("Origin")
    if origin and (origin == "null" or urlsplit(origin).netloc != request.host):
        refused = web.HTTPForbidden(text="cross-site request refused")
        _secure(refused)
        raise refused


def _secure(response: web.StreamResponse) -> web.StreamResponse:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _html(body: str, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status, headers=headers)
    response.enable_compression()  # the charts' hatching makes a page a few hundred KB before compression
    _secure(response)
    return response


def _redirect(location: str) -> NoReturn:
    moved = web.HTTPSeeOther(location)
    _secure(moved)
    raise moved


__all__ = ["add_insights_routes"]
