"""Every call botbuilder makes to the network, bounded: own thread pool, timeouts, cached keys, trusted hosts.

botframework-connector 4.17 makes three kinds of outbound call, all with blocking ``requests`` and none with a
usable timeout:

* **signing keys**: ``JwtTokenExtractor`` fetches the OpenID metadata and key set with ``requests.get`` (no
  timeout) from inside the validating coroutine, and after a failed fetch tries again on the very next request,
  so anyone could make the bot fetch once per request. ``OpenIdKeys`` replaces it: one fetch at a time, on
  ``TEAMS_IO`` with a timeout, keys kept for a day (and kept past that while a refresh fails), a failed fetch
  not retried for ``RETRY_AFTER_FAILURE`` seconds, an unknown key id refetching at most once per
  ``UNKNOWN_KEY_REFETCH`` seconds.
* **the connector** (replies): msrest runs ``requests`` on the event loop's default pool with a 100 s timeout.
  ``GuardedConnectorFactory`` gives each client a sender that uses ``TEAMS_IO`` and ``CONNECTOR_TIMEOUT``.
* **Entra tokens** (authenticated mode): MSAL is called synchronously *on the event loop* while signing each
  request, and a fresh MSAL application (so a fresh token) is built per turn. ``BoundedCredentialsPolicy``
  signs instead, getting the token on ``TEAMS_IO`` from one shared MSAL application per credential, built with
  a timeout (so its token cache is reused).

It also refuses to build a client for any ``serviceUrl`` the settings do not trust, so no reply (and no
credential) goes anywhere else, whatever the activity says.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import requests
from botframework.connector.about import __version__ as connector_version
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.auth.connector_factory import ConnectorFactory
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from botframework.connector.bot_framework_sdk_client_async import BotFrameworkConnectorConfiguration
from jwt.algorithms import RSAAlgorithm
from msal import ConfidentialClientApplication
from msrest.pipeline import AsyncHTTPPolicy, AsyncPipeline
from msrest.pipeline.async_requests import AsyncPipelineRequestsHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_requests import AsyncRequestsClientResponse, AsyncRequestsHTTPSender

from adapters.pools import TEAMS_IO, run_in

log = logging.getLogger(__name__)

KEY_FETCH_TIMEOUT = 5.0
"""Seconds for each of the two key-set requests (metadata, then keys)."""
KEY_WAIT = 2 * KEY_FETCH_TIMEOUT + 1.0
"""Longest a request waits for a key fetch in flight (its own or another request's)."""
KEYS_MAX_AGE = 24 * 3600.0
RETRY_AFTER_FAILURE = 30.0
UNKNOWN_KEY_REFETCH = 300.0
CONNECTOR_TIMEOUT = 10.0
"""Seconds for one connector call to connect and answer (Teams itself gives a turn about 15 s)."""
CONNECTOR_WAIT = CONNECTOR_TIMEOUT + 5.0
"""Longest a reply may wait for a free ``TEAMS_IO`` thread plus its call."""
USER_AGENT = f"Microsoft-BotFramework/3.1 (BotBuilder Python/{connector_version})"
TOKEN_TIMEOUT = 10.0
"""Seconds for an Entra token request (MSAL's own timeout, and the wait for it)."""


class KeysUnavailable(Exception):
    """Bot Framework's signing keys could not be fetched (and none are cached): the token cannot be checked."""


class UntrustedServiceUrl(Exception):
    """An activity's ``serviceUrl`` is not one the bot may send replies (and credentials) to."""


# --- signing keys ---------------------------------------------------------------------------------------------


class _Key:
    """What ``JwtTokenExtractor`` reads from a key: ``public_key`` and ``endorsements``."""

    def __init__(self, public_key: Any, endorsements: list[str]) -> None:
        self.public_key = public_key
        self.endorsements = endorsements


def _fetch_keys(url: str) -> list[dict[str, Any]]:
    """The OpenID metadata at ``url``, then the key set it names; blocking, each request with a timeout."""
    with requests.Session() as session:
        metadata = session.get(url, timeout=KEY_FETCH_TIMEOUT)
        metadata.raise_for_status()
        keys = session.get(metadata.json()["jwks_uri"], timeout=KEY_FETCH_TIMEOUT)
        keys.raise_for_status()
        found = keys.json()["keys"]
    if not isinstance(found, list):
        raise ValueError("the key set is not a list")
    return found


class OpenIdKeys:
    """A drop-in for botbuilder's ``_OpenIdMetadata``: ``await get(key_id)`` is the key, or None if unknown.

    Safe to share between event loops and threads: the fetch is a ``concurrent.futures.Future`` on ``TEAMS_IO``.
    """

    def __init__(self, url: str, fetch: Callable[[str], list[dict[str, Any]]] = _fetch_keys) -> None:
        self.url = url
        self._fetch = fetch
        self._lock = threading.Lock()
        self._keys: list[dict[str, Any]] = []
        self._fetched_at = float("-inf")  # last success
        self._failed_at = float("-inf")  # last failure
        self._in_flight: Future[list[dict[str, Any]]] | None = None
        self.fetches = 0

    async def get(self, key_id: str | None) -> _Key | None:
        if time.monotonic() - self._fetched_at > KEYS_MAX_AGE:
            await self._refresh(wait=not self._keys)  # stale keys keep serving while a refresh runs
        key = self._find(key_id)
        if key is None and time.monotonic() - self._fetched_at > UNKNOWN_KEY_REFETCH:
            await self._refresh(wait=True)  # a key published since the last fetch
            key = self._find(key_id)
        if key is None and not self._keys:
            raise KeysUnavailable("Bot Framework signing keys are unavailable")
        return key

    async def _refresh(self, *, wait: bool) -> None:
        """Start a fetch unless one failed lately; share one already in flight; wait (bounded) if asked."""
        with self._lock:
            if self._in_flight is None:
                if time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE:
                    return
                self.fetches += 1
                self._in_flight = TEAMS_IO.submit(self._fetch, self.url)
                self._in_flight.add_done_callback(self._done)
            pending = self._in_flight
        if wait:
            with contextlib.suppress(Exception):  # logged by _done; the caller finds no key
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(pending)), KEY_WAIT)

    def _done(self, future: Future[list[dict[str, Any]]]) -> None:
        with self._lock:
            self._in_flight = None
            error = future.exception() if not future.cancelled() else TimeoutError()
            if error is None:
                self._keys = future.result()
                self._fetched_at = time.monotonic()
            else:
                self._failed_at = time.monotonic()
                log.warning("could not fetch Bot Framework signing keys: %s", type(error).__name__)

    def _find(self, key_id: str | None) -> _Key | None:
        for key in self._keys:
            if isinstance(key, dict) and key.get("kid") == key_id:
                try:
                    return _Key(RSAAlgorithm.from_jwk(json.dumps(key)), list(key.get("endorsements") or []))
                except Exception:
                    return None
        return None


def _cached_keys(metadata_url: str) -> OpenIdKeys:
    cache = JwtTokenExtractor.metadataCache  # read each time: tests swap the dict
    keys = cache.get(metadata_url)
    if not isinstance(keys, OpenIdKeys):
        keys = cache[metadata_url] = OpenIdKeys(metadata_url)
    return keys


def install_key_cache() -> None:
    """Make every ``JwtTokenExtractor`` (channel, emulator, government…) use ``OpenIdKeys``. Idempotent."""
    JwtTokenExtractor.get_open_id_metadata = staticmethod(_cached_keys)  # type: ignore[method-assign,assignment]


# --- the connector ---------------------------------------------------------------------------------------------


class BoundedSender(AsyncRequestsHTTPSender):  # type: ignore[misc]
    """msrest's requests sender, but on ``TEAMS_IO`` with ``CONNECTOR_TIMEOUT`` instead of the default pool."""

    async def send(self, request: ClientRequest, **kwargs: Any) -> AsyncRequestsClientResponse:
        options = self._configure_send(request, **kwargs)
        session = options.pop("session", self.session)
        options.update(timeout=CONNECTOR_TIMEOUT, stream=False, allow_redirects=False)  # body read off the loop
        call = functools.partial(session.request, request.method, request.url, **options)
        future = TEAMS_IO.submit(call)
        try:
            response = await asyncio.wait_for(asyncio.wrap_future(future), CONNECTOR_WAIT)
        except TimeoutError:
            future.cancel()  # if it never got a thread, it never runs
            raise
        return AsyncRequestsClientResponse(request, response)


_MSAL_APPS: dict[tuple[str, str, str], ConfidentialClientApplication] = {}
_MSAL_LOCK = threading.Lock()


def _msal_app(credentials: MicrosoftAppCredentials) -> ConfidentialClientApplication:
    """One MSAL application per (app id, secret, authority), built with a timeout; blocking (discovery)."""
    key = (credentials.microsoft_app_id, credentials.microsoft_app_password, credentials.oauth_endpoint)
    with _MSAL_LOCK:
        app = _MSAL_APPS.get(key)
        if app is None:
            app = _MSAL_APPS[key] = ConfidentialClientApplication(
                client_id=credentials.microsoft_app_id,
                client_credential=credentials.microsoft_app_password,
                authority=credentials.oauth_endpoint,
                timeout=TOKEN_TIMEOUT,
            )
    return app


def _bearer(credentials: Any) -> str | None:
    """The Entra token for ``credentials`` (blocking: MSAL), or None when authentication is off."""
    if not getattr(credentials, "microsoft_app_id", ""):
        return None  # authentication off: requests are not signed
    if isinstance(credentials, MicrosoftAppCredentials) and credentials.app is None:
        credentials.app = _msal_app(credentials)
    return str(credentials.get_access_token())


class BoundedCredentialsPolicy(AsyncHTTPPolicy):  # type: ignore[misc]
    """Signs each connector request with the Entra token, fetched on ``TEAMS_IO`` (MSAL blocks) with a timeout.

    Replaces msrest's policy, which calls ``signed_session`` (so MSAL's network calls) on the event loop."""

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    async def send(self, request: Any, **kwargs: Any) -> Any:
        token = await asyncio.wait_for(run_in(TEAMS_IO, _bearer, self._credentials), TOKEN_TIMEOUT + 5)
        headers = request.http_request.headers
        if token:
            headers["Authorization"] = f"Bearer {token}"
        else:
            headers.pop("Authorization", None)
        return await self.next.send(request, **kwargs)


class GuardedConnectorFactory(ConnectorFactory):
    """botbuilder's connector factory behind a host check, with bounded sends and a prepared token."""

    def __init__(self, inner: ConnectorFactory, trusted: Callable[[str], bool]) -> None:
        self._inner = inner
        self._trusted = trusted

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        if not self._trusted(service_url or ""):
            raise UntrustedServiceUrl("refused to send to an untrusted serviceUrl")
        made = await self._inner.create(service_url, audience)  # type: ignore[arg-type]
        credentials = made.config.credentials
        config = BotFrameworkConnectorConfiguration(credentials, service_url)
        config.connection.timeout = CONNECTOR_TIMEOUT
        policies = [
            config.user_agent_policy,
            BoundedCredentialsPolicy(credentials),
            RawDeserializer(),
            config.http_logger_policy,
        ]
        config.custom_pipeline = AsyncPipeline(policies, AsyncPipelineRequestsHTTPSender(BoundedSender(config)))
        client = ConnectorClient(credentials, base_url=service_url, custom_configuration=config)
        client.config.add_user_agent(USER_AGENT)
        return client
