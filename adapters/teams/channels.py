"""Teams teams the weekly digest goes to: registered when the app is added to a team, posted to proactively.

When the app is added to a team (``conversationUpdate`` with the bot in ``membersAdded``, or ``installationUpdate``
``add`` in a team), ``TeamsBot`` stores the team's General channel as a ``TeamReference`` in the store's
``digest_channels`` table: the ``serviceUrl``, the channel's conversation id (a team's id is its General channel's
id), the tenant id and the bot's id. Nothing about the person who added it. Removing the app (the bot in
``membersRemoved``, ``installationUpdate`` ``remove``, or ``teamDeleted``) deletes the row. A ``serviceUrl`` the
settings do not trust (``TeamsSettings.trusts_service_url``) is never stored.

``teams_sender`` posts the digest's Adaptive Card with the adapter's ``continue_conversation``: the same guarded
connector factory as replies (trusted hosts only, ``TEAMS_IO`` with ``CONNECTOR_TIMEOUT``, the Entra token off the
loop) and the same retries on throttling. ``adapters.digest.DigestPoster`` calls it from its own thread, once per
week and team whichever instance gets there first.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference
from sqlalchemy.exc import SQLAlchemyError

from adapters.digest import Sender, teams_card
from adapters.teams.outbound import CONNECTOR_WAIT, UntrustedServiceUrl
from bot.digest import Digest
from bot.store import Store

log = logging.getLogger(__name__)

SURFACE = "teams"
SEND_TIMEOUT = 4 * CONNECTOR_WAIT
"""Longest one proactive post may take, retries on throttling included."""
MAX_ID_CHARS = 512


@dataclass(frozen=True)
class TeamReference:
    """Where a team's digest goes: no user, no names, only what the connector needs to post to its channel."""

    service_url: str
    conversation_id: str
    tenant_id: str
    bot_id: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "serviceUrl": self.service_url,
                "conversationId": self.conversation_id,
                "tenantId": self.tenant_id,
                "botId": self.bot_id,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> TeamReference:
        """The stored reference; ``ValueError`` if it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a team reference")
        values = [data.get(k) for k in ("serviceUrl", "conversationId", "tenantId", "botId")]
        strings = [v for v in values if isinstance(v, str)]
        if len(strings) != len(values) or not strings[0] or not strings[1]:
            raise ValueError("not a team reference")
        return cls(*strings)

    def conversation_reference(self) -> ConversationReference:
        return ConversationReference(
            channel_id="msteams",
            service_url=self.service_url,
            conversation=ConversationAccount(
                id=self.conversation_id, is_group=True, conversation_type="channel", tenant_id=self.tenant_id or None
            ),
            bot=ChannelAccount(id=self.bot_id or None),
        )


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _string(value: Any) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else ""


def team_id(activity: Activity) -> str:
    """The team an activity happened in (``channelData.team.id``, also its General channel's id), or ""."""
    team = _channel_data(activity).get("team")
    return _string(team.get("id")) if isinstance(team, dict) else ""


def team_reference(activity: Activity) -> TeamReference | None:
    """The General channel of the team ``activity`` comes from; None outside a team (personal or group chat)."""
    team = team_id(activity)
    if not team or not activity.service_url:
        return None
    tenant = _channel_data(activity).get("tenant")
    return TeamReference(
        service_url=activity.service_url,
        conversation_id=team,
        tenant_id=_string(tenant.get("id")) if isinstance(tenant, dict) else "",
        bot_id=_string(activity.recipient.id) if activity.recipient else "",
    )


class DigestChannels:
    """The store's Teams rows of ``digest_channels``, keyed by team id (stored as a salted hash)."""

    def __init__(self, store: Store, trusts: Callable[[str], bool]) -> None:
        self.store = store
        self.trusts = trusts

    def register(self, reference: TeamReference) -> bool:
        """Remember (or refresh) a team's reference; False, and nothing stored, for an untrusted ``serviceUrl``."""
        if not self.trusts(reference.service_url):
            log.warning("Teams: not registering a team for the digest: its serviceUrl is not trusted")
            return False
        text = reference.to_json()
        target = reference.conversation_id
        if not self.store.save_channel(surface=SURFACE, target=target, reference=text):
            try:
                if text in self.store.channels(SURFACE):
                    return True  # already there, unchanged
            except SQLAlchemyError as exc:  # the store logs its own write failures; never fail the turn
                log.error("Teams: could not read the digest channels: %s", type(exc).__name__)
                return False
            self.store.forget_channel(surface=SURFACE, target=target)  # its serviceUrl moved: replace it
            if not self.store.save_channel(surface=SURFACE, target=target, reference=text):
                return False
        log.info("Teams: a team was registered for the weekly digest")
        return True

    def unregister(self, team: str) -> None:
        self.store.forget_channel(surface=SURFACE, target=team)
        log.info("Teams: a team was removed from the weekly digest")

    def references(self) -> list[str]:
        """Every registered team's reference (JSON), what ``teams_sender`` posts to."""
        return self.store.channels(SURFACE)


def claim_key(target: str) -> str:
    """What a week's post to ``target`` is claimed by: the team's conversation id, stable if its serviceUrl moves."""
    try:
        return TeamReference.from_json(target).conversation_id
    except ValueError:
        return target


def digest_activity(card: dict[str, Any], summary: str) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = summary
    return activity


def teams_sender(adapter: Any, app_id: str, trusts: Callable[[str], bool], *, timeout: float = SEND_TIMEOUT) -> Sender:
    """Posts a digest to one stored reference (a new post in the team's General channel); blocking, raises on
    failure. Runs its own short event loop in the caller's thread (the poster's), so the web server's loop is
    never waited on; the connector calls themselves run on ``TEAMS_IO`` like every reply's."""

    def send(target: str, digest: Digest) -> None:
        reference = TeamReference.from_json(target)
        if not trusts(reference.service_url):
            raise UntrustedServiceUrl("refused to post the digest to an untrusted serviceUrl")
        activity = digest_activity(teams_card(digest), digest.title)
        failures: list[BaseException] = []

        async def logic(context: TurnContext) -> None:
            context.activity.id = None  # a new post in the channel, not a reply to the made-up continuation id
            try:
                await context.send_activity(activity)
            except Exception as exc:  # kept for the caller: the adapter's on_turn_error would only log it
                failures.append(exc)

        async def post() -> None:
            await asyncio.wait_for(
                adapter.continue_conversation(reference.conversation_reference(), logic, app_id), timeout
            )

        asyncio.run(post())
        if failures:
            raise failures[0]

    return send
