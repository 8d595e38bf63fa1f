"""A round-robin HTTP load balancer on 127.0.0.1, for tests that run several web processes as one service.

Each request goes to the next backend in turn, byte for byte (so Slack signatures still verify), and the
backend's answer comes back unchanged. ``served`` records which backend answered each request, in order.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

_HOP_BY_HOP = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer", "upgrade"}
)


class RoundRobinProxy:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.served: list[str] = []
        """The backend each request went to (base URL), in arrival order."""
        self._next = itertools.cycle(backends)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    async def start(self) -> RoundRobinProxy:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        # A backend's port was free when it was chosen, but its process may not have bound it yet: the system
        # can hand the same port to this proxy, which would then forward to itself (seen once). Take another.
        taken = {urlsplit(backend).port for backend in self.backends}
        while True:
            app = web.Application(client_max_size=10 * 1024 * 1024)
            app.router.add_route("*", "/{tail:.*}", self._forward)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
            self.port = self._runner.addresses[0][1]
            if self.port not in taken:
                return self
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        backend = next(self._next)
        self.served.append(backend)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        body = await request.read()
        async with self._session.request(
            request.method, backend + request.path_qs, data=body, headers=headers, allow_redirects=False
        ) as answer:
            content = await answer.read()
            back = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(status=answer.status, body=content, headers=back)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
