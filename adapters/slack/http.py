"""``POST /slack/events`` on an aiohttp application: size cap and signature check first, then bolt.

bolt (1.30) parses the body into JSON *before* its own signature middleware runs, so unsigned junk gets a
500 with a traceback, a non-numeric timestamp crashes it, and a failed check logs the whole body
(RELIABILITY.md, section 0). This handler therefore, before bolt sees anything:

1. refuses bodies over 1 MB with 413, from ``Content-Length`` or while reading (never reading more);
2. checks ``X-Slack-Signature`` (HMAC-SHA256 over the raw bytes) and the 5-minute timestamp window,
   answering 401 without parsing or logging the body;
3. refuses bodies that are not UTF-8, and signed bodies whose shape bolt would crash on (an ``event`` that is
   a string, a ``user`` that is not an object …) with 400, so a malformed body never gets a 500.

bolt's own verification stays on behind it. Events, slash commands and interactivity all arrive here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs
from weakref import WeakKeyDictionary

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.logs import new_request_id

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Slack's own payloads are a few kilobytes; anything over 1 MB is refused unread."""
MAX_CLOCK_SKEW = 5 * 60
"""Slack's replay window: a request signed more than five minutes ago (or ahead) is refused."""
_TIMESTAMP = re.compile(r"^\d{1,12}$")
_NO_RETRY = {"x-slack-no-retry": "1"}

_SECRETS: WeakKeyDictionary[AsyncApp, bytes] = WeakKeyDictionary()


def register_signing_secret(bolt_app: AsyncApp, signing_secret: str) -> None:
    """Let ``add_slack_routes`` verify requests for ``bolt_app`` before bolt parses them."""
    if signing_secret:
        _SECRETS[bolt_app] = signing_secret.encode()


def signature_ok(secret: bytes, body: bytes, timestamp: str, signature: str, *, now: float | None = None) -> bool:
    """Slack's v0 scheme on the raw bytes, compared in constant time, within the replay window."""
    if not _TIMESTAMP.match(timestamp) or not signature.startswith("v0="):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


async def read_capped(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None as soon as it is known to exceed ``limit`` (declared or actually sent)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_OBJECTS = ("user", "team", "channel", "view", "container", "message", "enterprise", "state", "event")
_LISTS = ("actions", "authorizations")
_STRINGS = ("type", "event_id", "team_id", "api_app_id", "enterprise_id", "callback_id", "trigger_id", "response_url")


def _shape_problem(payload: Any) -> str | None:
    """Why bolt could not handle this (already signed) JSON payload, or None: the fields bolt reads without
    checking their type must have the type Slack always sends."""
    if not isinstance(payload, dict):
        return "not a JSON object"
    for key in _STRINGS:
        if key in payload and payload[key] is not None and not isinstance(payload[key], str):
            return f"{key} is not a string"
    for key in _OBJECTS:
        if key in payload and payload[key] is not None and not isinstance(payload[key], dict):
            return f"{key} is not an object"
    for key in _LISTS:
        if key in payload and payload[key] is not None and not isinstance(payload[key], list):
            return f"{key} is not a list"
    if not isinstance(payload.get("type"), str):
        return "no type"
    if payload["type"] == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event object and type"
    if any(not isinstance(action, dict) for action in payload.get("actions") or []):
        return "an action is not an object"
    return None


def malformed(text: str, content_type: str) -> str | None:
    """Why a signed Slack body is malformed (events are JSON; commands and interactivity are forms, the latter
    with a JSON ``payload``), or None when bolt can be given it."""
    try:
        if "application/json" in content_type.lower():
            return _shape_problem(json.loads(text))
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return _shape_problem(json.loads(form["payload"][0]))
        if "command" in form:
            return None
        return "neither an event, a command nor an interaction"
    except ValueError:
        return "not JSON"


def _refuse(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status, headers=_NO_RETRY)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def slack_handler(bolt_app: AsyncApp) -> Handler:
    """The aiohttp handler for one bolt app (what ``add_slack_routes`` mounts)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        new_request_id()
        body = await read_capped(request)
        if body is None:
            log.warning("refused a Slack request over %d bytes", MAX_BODY_BYTES)
            return _refuse(413, "request body too large")
        secret = _SECRETS.get(bolt_app)
        if secret is not None and not signature_ok(
            secret,
            body,
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.headers.get("X-Slack-Signature", ""),
        ):
            log.warning("refused a Slack request with a missing, stale or wrong signature")
            return _refuse(401, "invalid request")
        try:
            text = body.decode("utf-8")
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=dict(request.headers))
        except Exception:  # not UTF-8, or bolt could not parse it (only possible when verification is off)
            log.warning("refused a Slack request whose body could not be read")
            return _refuse(400, "invalid request body")
        problem = malformed(text, request.headers.get("Content-Type", ""))
        if problem is not None:
            log.warning("refused a malformed Slack request: %s", problem)
            return _refuse(400, "invalid request body")
        bolt_response = await bolt_app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    return handle


def add_slack_routes(web_app: web.Application, bolt_app: AsyncApp, path: str = "/slack/events") -> None:
    """Serve Slack's events, slash commands and interactivity at ``path`` on ``web_app``."""
    web_app.router.add_post(path, slack_handler(bolt_app))
