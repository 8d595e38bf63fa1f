"""Issue 13, availability: the real web process (a subprocess on 127.0.0.1) while Teams' services hang and while
gzip bombs arrive. Slack's acknowledgements and ``/healthz`` must not notice.

The latency bounds are the issue's own, for these fault scenarios; they hold with a wide margin when the fix is
in (a few milliseconds) and fail by seconds without it.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from teams_support import mint_token, new_key
from test_slack_support import FakeSlack
from test_web import SECRET, WebProcess, _env, _free_port, _slack_dm, _teams_message


class Hanging:
    """A server on 127.0.0.1 that accepts requests and answers none of them until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.seen = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Hanging:
        async def hang(request: web.Request) -> web.Response:
            self.seen += 1
            await self.release.wait()
            return web.Response(status=503)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", hang)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        self.release.set()
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


async def _timed(session: aiohttp.ClientSession, method: str, url: str, **kwargs: object) -> tuple[int, float]:
    started = time.perf_counter()
    async with session.request(method, url, **kwargs) as response:  # type: ignore[arg-type]
        await response.read()
        return response.status, time.perf_counter() - started


def _p(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))]


async def test_hanging_teams_services_never_delay_slack_or_healthz(
    tmp_path: Path, knowledge_dir: Path, slack: FakeSlack
) -> None:
    """Key endpoint and connector both hang; 20 Teams requests in flight (10 with a token whose keys must be
    fetched, 10 whose reply goes to the connector). Slack acks stay under 1 s, /healthz under 100 ms."""
    keys, connector = await Hanging().start(), await Hanging().start()
    port = _free_port()
    env = _env(
        tmp_path,
        knowledge_dir,
        port,
        SLACK_BOT_TOKEN="xoxb-web-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        BOT_TEAMS_ALLOW_UNAUTHENTICATED="1",
        BOT_TEAMS_OPENID_URL=keys.url + "/.well-known/openid-configuration",
        BOT_LOG_LEVEL="CRITICAL",  # forty failure tracebacks would fill the stderr pipe this test reads at the end
    )
    web_process = WebProcess(env, port)
    key = new_key()
    teams: list[asyncio.Task[tuple[int, float]]] = []
    try:
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=100)) as session:
            await web_process.ready(session)
            for n in range(20):
                activity = _teams_message(f"fgc evidence? {n}", connector.url + "/amer/")
                headers = {}
                if n % 2 == 0:
                    token = mint_token(key, kid=f"k{n}", audience="", service_url=activity["serviceUrl"])
                    headers["Authorization"] = f"Bearer {token}"
                url = web_process.url + "/api/messages"
                teams.append(asyncio.create_task(_timed(session, "POST", url, json=activity, headers=headers)))
            await asyncio.sleep(1.0)  # every Teams request is now waiting on a hung service
            acks, health = [], []
            for n in range(20):
                body, headers = _slack_dm(f"does group supervision help? {n}")
                status, seconds = await _timed(
                    session, "POST", web_process.url + "/slack/events", data=body, headers=headers
                )
                assert status == 200
                acks.append(seconds)
                status, seconds = await _timed(session, "GET", web_process.url + "/healthz")
                assert status == 200
                health.append(seconds)
                await asyncio.sleep(0.1)
            replies = await slack.wait_for("/api/chat.postMessage", count=20, timeout=15)
            answered = await asyncio.gather(*teams)
    finally:
        code, err = web_process.stop()
        await keys.close()
        await connector.close()
    assert max(acks) < 1.0, acks
    assert _p(health, 95) < 0.1 and max(health) < 1.0, health
    assert len(replies) == 20
    assert keys.seen <= 1  # one key fetch, however many tokens arrived
    assert all(status in (201, 503) for status, _ in answered), answered
    assert max(seconds for _, seconds in answered) < 30
    assert code == 0, err


@cache
def _gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (8 * 1024 * 1024)
    parts = [packer.compress(chunk) for _ in range(128)]
    return b"".join(parts) + packer.flush()


async def test_compressed_bodies_are_refused_unread_and_healthz_stays_fast(
    tmp_path: Path, knowledge_dir: Path, slack: FakeSlack
) -> None:
    bomb = _gzip_bomb()
    port = _free_port()
    env = _env(
        tmp_path,
        knowledge_dir,
        port,
        SLACK_BOT_TOKEN="xoxb-web-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        BOT_TEAMS_ALLOW_UNAUTHENTICATED="1",
    )
    web_process = WebProcess(env, port)
    try:
        async with aiohttp.ClientSession() as session:
            await web_process.ready(session)
            health: list[float] = []
            stop = asyncio.Event()

            async def poll() -> None:
                while not stop.is_set():
                    health.append((await _timed(session, "GET", web_process.url + "/healthz"))[1])
                    await asyncio.sleep(0.01)

            async def bomb_once(path: str) -> int:
                headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
                try:
                    async with session.post(web_process.url + path, data=bomb, headers=headers) as response:
                        return response.status
                except aiohttp.ClientError:
                    return 0  # the server closed the connection: refused all the same

            poller = asyncio.create_task(poll())
            await asyncio.sleep(0.2)
            statuses = [await bomb_once(path) for path in ["/slack/events", "/api/messages"] * 5]
            await asyncio.sleep(0.2)
            stop.set()
            await poller
            body, headers = _slack_dm("fgc evidence?")
            async with session.post(web_process.url + "/slack/events", data=body, headers=headers) as response:
                assert response.status == 200  # uncompressed requests are served as before
    finally:
        code, err = web_process.stop()
    assert set(statuses) <= {415, 0} and 415 in statuses, statuses
    assert len(health) >= 10 and _p(health, 99) < 0.05, sorted(health)[-5:]
    assert code == 0, err
