"""``POST /api/messages``: our own handler instead of ``CloudAdapter.process()``.

botbuilder-integration-aiohttp 4.17 serialises invoke bodies twice and answers **500 to every invoke**
(messaging-extension searches, card actions). This handler calls ``adapter.process_activity`` itself and
writes the invoke body as it is. Order of checks, each failing closed:

1. size (413), content type (415), JSON with a ``type`` (400); compressed bodies are refused before this (415,
   ``adapters.guard``);
2. the ``serviceUrl``: a documented Teams host, or one in ``BOT_TEAMS_SERVICE_HOSTS`` (403), so replies and the
   bot's token never go anywhere else;
3. the Bot Framework JWT (401; any validation error counts as "not authenticated"; 503 when Bot Framework's
   signing keys cannot be fetched). Tokens from the Emulator's issuers are refused unless
   ``BOT_TEAMS_ALLOW_EMULATOR`` is on: nothing ties them to the reply address;
4. the tenant allow-list, read from ``channelData.tenant.id`` (403 for every kind of activity);
5. the turn; replies go to the connector during it, an invoke's answer comes back in this response.

Nothing from the body is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, EmulatorValidation
from msrest.serialization import Model

from adapters.guard import guarded_application
from adapters.pools import HEALTH, run_in
from adapters.teams.adapter import TeamsCloudAdapter, build_adapter, build_authentication
from adapters.teams.bot import TeamsBot
from adapters.teams.channels import DigestChannels
from adapters.teams.feedback import SentAnswers
from adapters.teams.outbound import KeysUnavailable
from adapters.teams.settings import TeamsSettings
from bot.logs import new_request_id
from bot.runtime import Runtime

log = logging.getLogger(__name__)

AUTH_TIMEOUT = 15.0
"""Seconds token validation may take (it only waits on the network when fetching signing keys, which is
bounded more tightly in ``adapters.teams.outbound``)."""
MAX_BODY_BYTES = 256 * 1024
"""Teams messages are at most ~100 KB on the wire; anything far larger is not from Teams."""


@dataclass
class TeamsEndpoint:
    """The adapter, the bot and the checks behind ``POST /api/messages``."""

    adapter: TeamsCloudAdapter
    auth: ConfigurationBotFrameworkAuthentication
    bot: TeamsBot
    settings: TeamsSettings

    async def handle(self, request: web.Request) -> web.StreamResponse:
        new_request_id()
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _refuse(413, "body too large")
        if "application/json" not in request.headers.get("Content-Type", "").lower():
            return _refuse(415, "not JSON")
        raw = await request.read()  # bounded by the application's client_max_size as well
        if len(raw) > MAX_BODY_BYTES:
            return _refuse(413, "body too large")
        try:
            body = json.loads(raw)
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except Exception:
            activity = None
        if activity is None or not activity.type:
            return _refuse(400, "not an activity")
        if not self.settings.trusts_service_url(activity.service_url or ""):
            return _refuse(403, "serviceUrl is not a Teams service host (see BOT_TEAMS_SERVICE_HOSTS)")

        header = request.headers.get("Authorization", "")
        if not self.settings.allow_emulator and is_emulator_token(header):
            return _refuse(401, "Emulator token (BOT_TEAMS_ALLOW_EMULATOR is off)")
        try:
            authenticated = await self._authenticate(activity, header)
        except KeysUnavailable:
            return _refuse(503, "Bot Framework signing keys are unavailable")
        except Exception as exc:
            return _refuse(401, f"authentication failed ({type(exc).__name__})")

        tenant = tenant_of(body)
        if not self.settings.allows_tenant(tenant):
            log.warning("Teams activity refused: tenant %s is not in BOT_TEAMS_TENANTS", tenant or "(none)")
            return web.Response(status=403)

        try:
            response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            log.exception("Teams activity could not be processed (%s)", activity.type)
            return web.Response(status=500)
        if response is None:
            return web.Response(status=201)
        payload = serializer_helper(response.body) if isinstance(response.body, Model) else response.body
        if payload is None:
            return web.Response(status=response.status)
        return web.json_response(payload, status=response.status)

    async def _authenticate(self, activity: Activity, header: str) -> AuthenticateRequestResult:
        """Validate the JWT on the server's loop: the only network wait in it, the signing-key fetch, runs on
        ``TEAMS_IO`` with a timeout (``OpenIdKeys``), one fetch at a time, never again soon after a failure."""
        return await asyncio.wait_for(self.auth.authenticate_request(activity, header), AUTH_TIMEOUT)


def is_emulator_token(header: str) -> bool:
    """Whether ``header`` carries a JWT from one of the Emulator's issuers (unverified: only to route it)."""
    try:
        return bool(header) and EmulatorValidation.is_token_from_emulator(header)
    except Exception:
        return False


def tenant_of(body: dict[str, Any]) -> str | None:
    """``channelData.tenant.id``: botbuilder-schema maps ``conversation.tenantId`` to a key Teams never sends."""
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    value = tenant.get("id") if isinstance(tenant, dict) else None
    return value if isinstance(value, str) and value else None


def _refuse(status: int, why: str) -> web.Response:
    """Malformed requests are usually scanners (INFO); a failed token check is worth a WARNING."""
    level = logging.WARNING if status in (401, 403, 503) else logging.INFO
    log.log(level, "Teams request refused with %d: %s", status, why)
    return web.Response(status=status)


def build_endpoint(runtime: Runtime, settings: TeamsSettings) -> TeamsEndpoint:
    auth = build_authentication(settings)
    channels = DigestChannels(runtime.store, settings.trusts_service_url)
    bot = TeamsBot(runtime.conversation, claim=runtime.claim, channels=channels, sent=SentAnswers(runtime.store))
    return TeamsEndpoint(build_adapter(auth), auth, bot, settings)


TEAMS_ENDPOINT = web.AppKey("teams_endpoint", TeamsEndpoint)


def add_teams_routes(web_app: web.Application, runtime: Runtime, settings: TeamsSettings) -> None:
    """Add ``POST /api/messages`` to ``web_app`` (the combined web process adds ``/healthz`` itself)."""
    for line in settings.warnings():
        log.warning(line)
    endpoint = build_endpoint(runtime, settings)
    web_app[TEAMS_ENDPOINT] = endpoint
    web_app.router.add_post("/api/messages", endpoint.handle)


def create_app(runtime: Runtime, settings: TeamsSettings) -> web.Application:
    """The standalone Teams web app: ``POST /api/messages`` and ``GET /healthz``."""
    app = guarded_application(client_max_size=MAX_BODY_BYTES * 2)
    add_teams_routes(app, runtime, settings)

    async def healthz(_request: web.Request) -> web.Response:
        health = await run_in(HEALTH, runtime.health)
        return web.json_response(health, status=200 if health.get("ok") else 503)

    app.router.add_get("/healthz", healthz)
    return app
