"""Retrying replies the Teams connector throttled (429) or briefly failed (412, 502, 504).

botbuilder 4.17 does not retry: the connector raises ``ErrorResponseException``, the reply is lost and the
user sees nothing. Microsoft asks bots to retry these statuses with exponential backoff and jitter, honouring
``Retry-After``. The waits are capped so a reply still arrives well inside Teams' ~15 s turn window.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from botbuilder.schema import ErrorResponseException

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 504})
ATTEMPTS = 4
BASE_DELAY = 0.5
MAX_DELAY = 4.0

T = TypeVar("T")


def status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a connector error, or None."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def retry_after(exc: BaseException) -> float | None:
    """The ``Retry-After`` header in seconds (number or HTTP date), or None when absent or unreadable."""
    headers: Any = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        raw = headers.get("Retry-After")
    except Exception:
        return None
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(str(raw))
        return max(0.0, (when - dt.datetime.now(when.tzinfo or dt.UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def delay_for(exc: BaseException, attempt: int, *, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """``Retry-After`` if given, else exponential backoff with full jitter; never more than ``cap``."""
    wait = retry_after(exc)
    if wait is None:
        wait = random.uniform(0, base * 2 ** (attempt - 1))  # jitter, not security
    return min(wait, cap)


async def with_retry(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    cap: float = MAX_DELAY,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """Run ``call``; on a retryable connector status wait and try again, at most ``attempts`` times in all."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except ErrorResponseException as exc:
            status = status_of(exc)
            if status not in RETRY_STATUSES or attempt == attempts:
                raise
            wait = delay_for(exc, attempt, cap=cap)
            log.warning("Teams connector answered %s; retrying in %.1f s (attempt %d)", status, wait, attempt + 1)
            await sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
