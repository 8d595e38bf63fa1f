"""Separate, bounded thread pools, so one platform's blocking work never starves another's.

asyncio's default pool (``asyncio.to_thread``) is small (CPU count + 4 threads) and shared by everything that
uses it. A hung outbound call there once held every thread, and Slack's acknowledgements and ``/healthz``
queued behind it. So:

- ``HEALTH``: ``/healthz`` only (reload status and a store ping);
- ``CLAIMS``: claiming Slack event ids in the store, on Slack's 3-second acknowledgement path;
- ``TEAMS_IO``: botbuilder's blocking network calls (Bot Framework signing keys, the connector, Entra tokens),
  each with its own timeout so a thread is never held for long.

The core's own work (matching, recording) stays on the default pool: it is CPU-bound and short.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

HEALTH = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")
CLAIMS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-claim")
TEAMS_IO = ThreadPoolExecutor(max_workers=8, thread_name_prefix="teams-io")


async def run_in(pool: ThreadPoolExecutor, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``asyncio.to_thread`` on ``pool`` instead of the loop's default pool (context variables carried over,
    so log lines keep their request id)."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await loop.run_in_executor(pool, call)
