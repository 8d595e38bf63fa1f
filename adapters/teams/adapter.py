"""The botbuilder adapter: CloudAdapter with real JWT validation, retried replies and a kind error path.

``CloudAdapter`` + ``ConfigurationBotFrameworkAuthentication`` validate every inbound token whenever
``MicrosoftAppId`` is set and understand ``MicrosoftAppType=SingleTenant``. On top of it:

* each outgoing activity is sent on its own and retried on 412/429/502/504 (botbuilder does not retry,
  so a throttled reply would simply be lost);
* a failed turn logs the traceback (never the question) and tells the user ``messages.APOLOGY``; a failed
  invoke gets a valid invoke response instead, because a message posted into a channel from a compose-box
  search would be odd and the client is waiting for the HTTP answer anyway.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import requests
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse
from botframework.connector.auth import AuthenticateRequestResult, ChannelValidation, ClaimsIdentity
from botframework.connector.auth.connector_factory import ConnectorFactory

from adapters.teams.outbound import GuardedConnectorFactory, UntrustedServiceUrl, install_key_cache
from adapters.teams.retry import with_retry
from adapters.teams.settings import TeamsSettings
from bot import messages

log = logging.getLogger(__name__)


class TeamsCloudAdapter(CloudAdapter):
    """``CloudAdapter`` whose sends and updates survive connector throttling."""

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        send_all = super().send_activities
        responses: list[ResourceResponse] = []
        for activity in activities:  # one at a time, so a retry never re-sends one that already arrived

            async def send_one(one: Activity = activity) -> list[ResourceResponse]:
                return list(await send_all(context, [one]))

            responses.extend(await with_retry(send_one))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity) -> Any:
        update = super().update_activity
        return await with_retry(lambda: update(context, activity))


class GuardedAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, whose connector factories only reach trusted service URLs, with bounded calls."""

    def __init__(self, settings: TeamsSettings) -> None:
        super().__init__(settings.sdk_config())
        self._trusted = settings.trusts_service_url

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        result.connector_factory = GuardedConnectorFactory(result.connector_factory, self._trusted)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return GuardedConnectorFactory(super().create_connector_factory(claims_identity), self._trusted)


def build_authentication(settings: TeamsSettings) -> GuardedAuthentication:
    """The SDK's authentication from our settings (validation on whenever the app id is set).

    Signing keys are fetched through ``OpenIdKeys`` (bounded, cached); ``BOT_TEAMS_OPENID_URL`` points the
    channel's key set at a stand-in (tests and the load benchmark)."""
    install_key_cache()
    if settings.openid_url:
        ChannelValidation.open_id_metadata_endpoint = settings.openid_url
    return GuardedAuthentication(settings)


def build_adapter(auth: ConfigurationBotFrameworkAuthentication) -> TeamsCloudAdapter:
    """The adapter; ``auth`` should come from ``build_authentication`` (trusted hosts, bounded calls)."""
    adapter = TeamsCloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    return adapter


def _describe(activity: Activity) -> str:
    """Type and invoke name only: never text, value or ids that could identify a person."""
    return f"{activity.type}/{activity.name}" if activity.name else str(activity.type)


def _unreachable(error: BaseException) -> bool:
    """A connector that did not answer in time (or an address we will not send to)."""
    seen: BaseException | None = error
    for _ in range(5):  # msrest wraps requests' errors
        if seen is None:
            return False
        if isinstance(seen, TimeoutError | UntrustedServiceUrl | requests.Timeout | requests.ConnectionError):
            return True
        inner = getattr(seen, "inner_exception", None)
        seen = seen.__cause__ or seen.__context__ or (inner if isinstance(inner, BaseException) else None)
    return False


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log the traceback for the developer; give the user the apology (or the client a valid invoke answer)."""
    activity = context.activity
    log.error("Teams turn failed (%s)", _describe(activity), exc_info=error)
    if activity.type == ActivityTypes.invoke:
        if (activity.name or "").startswith("composeExtension/"):
            response = InvokeResponse(
                status=int(HTTPStatus.OK),
                body={"composeExtension": {"type": "message", "text": messages.APOLOGY}},
            )
        else:
            response = InvokeResponse(status=int(HTTPStatus.INTERNAL_SERVER_ERROR))
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))
        return
    if activity.type not in (ActivityTypes.message, ActivityTypes.conversation_update, "installationUpdate"):
        return
    if _unreachable(error):
        return  # the connector timed out or refused the address: an apology would go the same way
    try:
        await context.send_activity(MessageFactory.text(messages.APOLOGY))
    except Exception:
        log.exception("Teams: could not send the apology either")
