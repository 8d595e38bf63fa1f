"""Answer each Slack event once, however often Slack delivers it.

Slack re-sends an event (same ``event_id``) when it did not get a 2xx within 3 seconds, and again after
about a minute and five minutes. Dropping every delivery with ``X-Slack-Retry-Num`` would lose events
whose first delivery never arrived, so instead each ``event_id`` is *claimed* in the store
(``runtime.claim``: atomic, shared by every instance; on its own thread pool, ``adapters.pools.CLAIMS``, so
nothing else can delay the acknowledgement) and only the first claim is answered. Repeats get
200 with ``X-Slack-No-Retry: 1``. The same middleware serves Socket Mode, where bolt passes the envelope's
retry fields on as the same headers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse

from adapters.pools import CLAIMS, run_in
from adapters.slack.delivery import SURFACE
from bot.logs import new_request_id

log = logging.getLogger(__name__)

Middleware = Callable[..., Awaitable[BoltResponse | None]]


def drop_repeated_events(runtime: Any) -> Middleware:
    """A bolt middleware that claims ``event_id``s through ``runtime.claim`` and drops the repeats."""

    async def middleware(body: dict[str, Any], next_: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not await run_in(CLAIMS, runtime.claim, SURFACE, str(event_id)):
            log.info("ignored a repeated delivery of Slack event %s", event_id)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        await next_()
        return None

    return middleware


async def tag_socket_request(request: Any, next_: Callable[[], Awaitable[None]]) -> None:
    """Give each Socket Mode request its own id in the log (the HTTP handler does it for HTTP requests)."""
    if getattr(request, "mode", "") == "socket_mode":
        new_request_id()
    await next_()
