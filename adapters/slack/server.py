"""Running the Slack app on its own: an aiohttp server (HTTP Events API) or a Socket Mode connection.

The combined web process does not use this module; it calls ``build_slack_app`` and ``add_slack_routes``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import ClientError, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.guard import guarded_application
from adapters.slack.app import build_slack_app
from adapters.slack.http import add_slack_routes
from adapters.slack.settings import SlackSettings
from bot import ConfigError

log = logging.getLogger(__name__)

SOCKET_LOGGER = "adapters.slack.socket"
_BAD_TOKEN = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")


async def check_token(app: AsyncApp) -> None:
    """Fail at start-up, in one line, when Slack refuses the bot token; a network blip only warns."""
    try:
        await app.client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        if error in _BAD_TOKEN:
            raise ConfigError(
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy it again from OAuth & Permissions"
            ) from None
        log.warning("could not check the Slack bot token at start-up: %s", error)
    except (ClientError, OSError, TimeoutError) as exc:
        log.warning("could not reach Slack to check the bot token at start-up: %s", type(exc).__name__)


async def run_socket_mode(runtime: Any, settings: SlackSettings, *, client: AsyncWebClient | None = None) -> None:
    """Connect to Slack over a WebSocket (no public URL needed) and serve until cancelled."""
    app = build_slack_app(runtime, settings, client=client)
    await check_token(app)
    socket_logger = logging.getLogger(SOCKET_LOGGER)
    if socket_logger.getEffectiveLevel() < logging.INFO:  # DEBUG would log every payload
        socket_logger.setLevel(logging.INFO)
    handler = AsyncSocketModeHandler(app, settings.app_token, logger=socket_logger)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def serve_http(
    runtime: Any, settings: SlackSettings, *, host: str = "0.0.0.0", client: AsyncWebClient | None = None
) -> None:
    """Serve ``/slack/events`` on ``settings.port`` (all interfaces, as a PaaS expects) until cancelled."""
    web_app = guarded_application()
    app = build_slack_app(runtime, settings, client=client)
    await check_token(app)
    add_slack_routes(web_app, app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, settings.port).start()
        log.info("Slack adapter listening on port %d at /slack/events", settings.port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
