"""What every one of our aiohttp servers does before any handler: refuse compressed request bodies.

aiohttp inflates ``Content-Encoding: gzip`` (or deflate, br) bodies on the event loop as they arrive, before
any signature can be checked: a 1 MB gzip bomb held the loop for most of a second. Neither Slack nor the Bot
Framework compresses what it sends, so the servers switch aiohttp's inflating off (``SERVER_OPTIONS``) and
answer any request that declares an encoding with 415, unread.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SERVER_OPTIONS: dict[str, Any] = {"auto_decompress": False}
"""``web.Application(handler_args=SERVER_OPTIONS)``: bodies reach handlers as sent, never inflated."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def refuse_compressed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """415 for a body with any ``Content-Encoding`` but ``identity``, before anything reads it."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding and encoding != "identity":
        log.info("refused a request with Content-Encoding %s", encoding[:20])
        return web.json_response(
            {"error": "compressed request bodies are not accepted"},
            status=415,
            headers={"Accept-Encoding": "identity", "Connection": "close"},
        )
    return await handler(request)


def guarded_application(**kwargs: Any) -> web.Application:
    """A ``web.Application`` with the guard first and inflating off; ``kwargs`` as for ``web.Application``."""
    middlewares = [refuse_compressed, *kwargs.pop("middlewares", ())]
    return web.Application(middlewares=middlewares, handler_args=SERVER_OPTIONS, **kwargs)
