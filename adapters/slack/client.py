"""Talking to Slack: the Web API client and ``response_url`` posts, both retrying 429 after Retry-After.

``slack_sdk`` retries only connection errors by default; a rate-limited ``chat.postMessage`` would raise
and the practitioner would get nothing. Both senders here wait for ``Retry-After`` and try again (twice
at most, so a permanent 429 gives up in bounded time). Their loggers stay at WARNING: ``slack_sdk`` logs
every request body, which holds the question, at DEBUG.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 2
API_LOGGER = "adapters.slack.api"
"""The Web API and webhook clients log here, at WARNING and above only."""


def _api_logger() -> logging.Logger:
    logger = logging.getLogger(API_LOGGER)
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    return logger


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def make_web_client(token: str, *, base_url: str | None = None) -> AsyncWebClient:
    """The bot's Web API client (``base_url`` only for tests: a local stand-in for slack.com)."""
    options: dict[str, Any] = {"base_url": base_url} if base_url else {}
    return AsyncWebClient(token=token, retry_handlers=retry_handlers(), logger=_api_logger(), **options)


def ensure_rate_limit_retries(client: AsyncWebClient) -> AsyncWebClient:
    """Add the 429 handler to a client built elsewhere (the web process, tests) if it lacks one."""
    if not any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


async def post_to_response_url(url: str, payload: dict[str, Any]) -> bool:
    """POST a message to a ``response_url`` (slash commands, buttons, shortcuts); True when Slack took it.

    A failure is logged with its status only (never the payload) and reported, not raised: a lost
    "thanks for the feedback" is not worth an apology.
    """
    client = AsyncWebhookClient(url=url, retry_handlers=retry_handlers(), logger=_api_logger())
    response = await client.send_dict(payload)
    if response.status_code != 200:
        log.warning("Slack refused a response_url post (HTTP %s)", response.status_code)
        return False
    return True
