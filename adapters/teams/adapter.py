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

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse

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


def build_authentication(settings: TeamsSettings) -> ConfigurationBotFrameworkAuthentication:
    """The SDK's authentication from our settings (validation on whenever the app id is set)."""
    return ConfigurationBotFrameworkAuthentication(settings.sdk_config())


def build_adapter(auth: ConfigurationBotFrameworkAuthentication) -> TeamsCloudAdapter:
    adapter = TeamsCloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    return adapter


def _describe(activity: Activity) -> str:
    """Type and invoke name only: never text, value or ids that could identify a person."""
    return f"{activity.type}/{activity.name}" if activity.name else str(activity.type)


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
    try:
        await context.send_activity(MessageFactory.text(messages.APOLOGY))
    except Exception:
        log.exception("Teams: could not send the apology either")
