"""One web process for every platform: ``python -m adapters.web`` (the Procfile's ``web`` line).

Serves, on ``$PORT``:

- ``POST /slack/events``: Slack's Events API, slash command and interactivity, when ``SLACK_SIGNING_SECRET`` and
  ``SLACK_BOT_TOKEN`` are set (with only ``SLACK_APP_TOKEN``, Slack is the ``worker`` process's job instead);
- ``POST /api/messages``: Teams, when ``MicrosoftAppId`` is set (or local development is allowed);
- ``GET /healthz``: knowledge loaded, item count, whether the last reload worked, whether the store answers
  (on its own thread pool, so no platform's blocking work can hold it up).

Compressed request bodies are refused unread (``adapters.guard``). With Teams authentication off (local
development) the process listens on 127.0.0.1 only.

Every request gets a request id (logged on each line, returned as ``X-Request-Id``). Knowledge edits are
picked up by the runtime's watcher. ``SIGTERM`` stops accepting connections, lets requests in flight and
replies already acknowledged finish (up to ``DRAIN_SECONDS``), then closes the store and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from aiohttp import web

from adapters.guard import guarded_application
from adapters.pools import HEALTH, run_in
from adapters.port import port_from
from bot.config import Settings, parse_bool
from bot.errors import BotError, ConfigError
from bot.logs import configure_logging, new_request_id
from bot.runtime import Runtime, first_problem

log = logging.getLogger(__name__)

DEFAULT_PORT = 3000
DRAIN_SECONDS = 20.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Platforms:
    """Which platforms this process serves, each with its own checked settings (None: not served)."""

    slack: object | None = None
    teams: object | None = None

    @property
    def names(self) -> list[str]:
        return [name for name in ("slack", "teams") if getattr(self, name) is not None]


def configured_platforms(environ: Mapping[str, str] | None = None) -> Platforms:
    """Slack over HTTP and/or Teams, from the environment; ``ConfigError`` if neither is configured."""
    env = os.environ if environ is None else environ
    slack = teams = None
    if env.get("SLACK_SIGNING_SECRET") or (env.get("SLACK_BOT_TOKEN") and not env.get("SLACK_APP_TOKEN")):
        from adapters.slack.settings import SlackSettings

        slack = SlackSettings.from_env(env)
        if slack.socket_mode:  # the worker runs Socket Mode; this process serves the HTTP Events API
            slack = replace(slack, app_token="")
        slack.check()
    if env.get("MicrosoftAppId") or parse_bool(
        "BOT_TEAMS_ALLOW_UNAUTHENTICATED", env.get("BOT_TEAMS_ALLOW_UNAUTHENTICATED")
    ):
        from adapters.teams.settings import TeamsSettings

        teams = TeamsSettings.from_env(env)
    if slack is None and teams is None and not env.get("BOT_INSIGHTS_TOKEN"):
        raise ConfigError(
            "nothing to serve: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN for Slack, or MicrosoftAppId "
            "(with MicrosoftAppPassword and MicrosoftAppTenantId) for Teams, or BOT_INSIGHTS_TOKEN for the "
            "insights page; see the README"
        )
    return Platforms(slack=slack, teams=teams)


def listen_host(platforms: Platforms) -> str:
    """All interfaces, as a PaaS expects; loopback only while Teams runs without authentication."""
    teams = platforms.teams
    return "127.0.0.1" if teams is not None and not getattr(teams, "authenticated", True) else "0.0.0.0"


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A fresh id per request, on every log line written while handling it and on the response."""
    rid = new_request_id()
    response = await handler(request)
    response.headers["X-Request-Id"] = rid
    return response


def build_web_app(runtime: Runtime, platforms: Platforms, *, slack_client: object | None = None) -> web.Application:
    """The aiohttp application; ``slack_client`` replaces Slack's Web API client (tests, benchmarks)."""
    app = guarded_application(middlewares=[request_ids])
    app["runtime"] = runtime
    app["platforms"] = platforms.names

    async def healthz(request: web.Request) -> web.Response:
        health = await run_in(HEALTH, runtime.health)
        health["platforms"] = platforms.names
        return web.json_response(health, status=200 if health["ok"] else 503)

    app.router.add_get("/healthz", healthz)
    if platforms.slack is not None:
        from adapters.slack.app import build_slack_app
        from adapters.slack.http import add_slack_routes

        add_slack_routes(app, build_slack_app(runtime, platforms.slack, client=slack_client))  # type: ignore[arg-type]
    if platforms.teams is not None:
        from adapters.teams import add_teams_routes

        add_teams_routes(app, runtime, platforms.teams)  # type: ignore[arg-type]
    if runtime.settings.insights_token:
        from adapters.insights import add_insights_routes

        add_insights_routes(app, runtime)
    app.on_shutdown.append(_drain_background_work)
    return app


async def _drain_background_work(app: web.Application) -> None:
    """Let replies that were acknowledged but not yet sent (Slack's work after ``ack()``) finish."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    if pending:
        log.info("shutting down: waiting for %d task(s) in flight", len(pending))
        _, still = await asyncio.wait(pending, timeout=DRAIN_SECONDS)
        if still:
            log.warning("shutting down: %d task(s) did not finish within %.0f s", len(still), DRAIN_SECONDS)


def main() -> int:
    try:
        settings = Settings.from_env()  # reads .env first, so platform variables may come from it too
        configure_logging(settings.log_level, settings.log_format)
        platforms = configured_platforms()
        if settings.insights_token:
            from adapters.insights import check_available

            check_available()
        port = port_from(os.environ.get("PORT"), DEFAULT_PORT)
        runtime = Runtime.start(settings, purge_daily=True, watch=True)
    except BotError as exc:
        print(f"error: {first_problem(exc)}", file=sys.stderr)
        return 2
    poster = None
    try:
        app = build_web_app(runtime, platforms)
        if settings.digest_slack_channels or settings.digest_teams:
            from adapters.digest import start_digest

            teams = None
            if platforms.teams is not None:
                from adapters.teams.http import TEAMS_ENDPOINT

                teams = app[TEAMS_ENDPOINT]  # its adapter posts the Adaptive Card to the registered teams
            poster = start_digest(runtime, teams=teams)  # claimed per week and channel in the store: posted once
        host = listen_host(platforms)
        log.info(
            "serving %s on %s port %d (%d evidence items)%s",
            " and ".join(platforms.names + (["insights"] if settings.insights_token else [])),
            host,
            port,
            len(runtime.library.kb.items),
            " - loopback only: Teams authentication is off" if host == "127.0.0.1" else "",
        )
        web.run_app(app, host=host, port=port, print=None, access_log=None, shutdown_timeout=DRAIN_SECONDS)
    finally:
        if poster is not None:
            poster.stop()
        runtime.close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
