"""The Teams bot: turns activities into calls on the core ``Conversation`` and replies with cards.

* messages (personal chat, or @mentions in channels and group chats) -> ``Conversation.handle``;
* card button clicks (``Action.Submit`` arrives as a message with ``value`` and no text) -> feedback,
  "none of these", show, more, themes;
* the bot installed or added -> a welcome card (once per conversation, whichever event Teams sends); added to a
  team -> the team's General channel registered for the weekly digest, removed -> forgotten
  (``adapters.teams.channels``);
* messaging extension: ``composeExtension/query`` lists evidence to insert into a message,
  ``composeExtension/selectItem`` records the chosen item as a share;
* Teams' own 👍 / 👎 under an answer (``message/submitAction``, ``adapters.teams.feedback``) -> the same
  feedback as the card's Helpful / Not helpful buttons, for the item that answer was about.

Teams re-sends an activity it thinks timed out; each non-invoke activity is claimed in the store first, so a
retry (even one reaching another instance) is answered once. Invokes are never skipped: the client waits for
their HTTP answer, they have no side effects except the share, and that is recorded idempotently by id.
The core is synchronous, so it runs in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount
from botbuilder.schema.teams import (
    MessagingExtensionAttachment,
    MessagingExtensionQuery,
    MessagingExtensionResponse,
    MessagingExtensionResult,
)

from adapters.teams import cards
from adapters.teams.channels import DigestChannels, team_id, team_reference
from adapters.teams.feedback import FEEDBACK_LOOP, INVOKE_NAME, SentAnswers, verdict
from adapters.teams.mentions import question_text
from bot import messages
from bot.conversation import Conversation, Kind, Reply
from bot.knowledge import KnowledgeItem
from bot.text import clean_unicode

log = logging.getLogger(__name__)

SURFACE = "teams"
SEARCH_TIMEOUT = 3.0
"""Seconds a compose-box search may take; Teams gives up on an invoke after about 5 s."""
MAX_SEARCH_RESULTS = 10
MAX_SEARCH_CHARS = 500
_QUESTION_ID = re.compile(r"^[0-9a-f]{32}$")

Claim = Callable[[str, str], bool]


def store_key(*parts: str) -> str:
    """A fixed-length key for the store's event ids (conversation ids alone can be 200+ characters)."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def event_key(activity: Activity) -> str | None:
    """The key of one activity: Teams message ids are millisecond timestamps, unique only per conversation."""
    if not activity.id:
        return None
    return store_key(activity.conversation.id if activity.conversation else "", str(activity.id))


def user_of(activity: Activity) -> str:
    """The person: their Entra object id when Teams sends it (stable), else their Teams id. Stored hashed."""
    sender = activity.from_property
    if sender is None:
        return "unknown"
    return str(sender.aad_object_id or sender.id or "unknown")


def thread_of(activity: Activity) -> str:
    """The conversation a message belongs to, so follow-ups ("more", a number, yes/no) continue it: the Teams
    conversation id (personal chat, group chat, or a channel, whose id carries ``;messageid=`` for a reply
    chain). Stored only as a salted hash."""
    conversation = activity.conversation
    return str(conversation.id or "") if conversation else ""


def _text_value(value: Any, limit: int = 200) -> str | None:
    """A string field from a card submit (which the client controls), cleaned and capped, or None."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = clean_unicode(str(value)[: limit * 2])
        return text[:limit] or None
    return None


def reply_activity(reply: Reply, *, feedback_loop: bool = False) -> Activity:
    """A message with the reply's card and a plain ``summary`` (the notification and chat-list preview).

    With ``feedback_loop``, an answer also gets Teams' own 👍 / 👎 (``channelData.feedbackLoop``); the card
    keeps its Helpful / Not helpful buttons for clients and answers where Teams' buttons are not shown."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(cards.reply_card(reply)))
    activity.summary = cards.summary_text(reply)
    if feedback_loop and reply.offers_feedback:
        activity.channel_data = dict(FEEDBACK_LOOP)
    return activity


class TeamsBot(TeamsActivityHandler):
    def __init__(
        self,
        conversation: Conversation,
        *,
        claim: Claim | None = None,
        search_timeout: float = SEARCH_TIMEOUT,
        channels: DigestChannels | None = None,
        sent: SentAnswers | None = None,
    ) -> None:
        self.conversation = conversation
        self.claim = claim
        self.search_timeout = search_timeout
        self.channels = channels
        self.sent = sent
        """Where answers sent with Teams' feedback buttons are remembered; None: no feedback buttons."""

    # --- every turn ------------------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type != ActivityTypes.invoke and not await self._first_time(event_key(activity)):
            log.info("Teams %s activity already handled (a retry); not answering again", activity.type)
            return
        await super().on_turn(turn_context)

    async def _first_time(self, key: str | None) -> bool:
        if self.claim is None or key is None:
            return True
        return await asyncio.to_thread(self.claim, SURFACE, key)

    async def _say(self, turn_context: TurnContext, reply: Reply) -> None:
        """Send the reply; an answer with Teams' feedback buttons is remembered by the message id Teams gave it."""
        item = reply.item if self.sent is not None and reply.offers_feedback else None
        response = await turn_context.send_activity(reply_activity(reply, feedback_loop=item is not None))
        if item is not None and self.sent is not None and response is not None and response.id:
            conversation = turn_context.activity.conversation
            conversation_id = str(conversation.id or "") if conversation else ""
            remember = self.sent.remember
            await asyncio.to_thread(
                remember, conversation_id, str(response.id), item_id=item.id, question_id=reply.question_id
            )

    # --- messages and card buttons ---------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        user = user_of(activity)
        thread = thread_of(activity)
        if isinstance(activity.value, dict) and not (activity.text or "").strip():
            reply = await asyncio.to_thread(self._submitted, activity.value, user, event_key(activity), thread)
        else:
            text = question_text(activity)
            conversation = self.conversation
            reply = await asyncio.to_thread(lambda: conversation.handle(text, user, SURFACE, thread=thread))
        await self._say(turn_context, reply)

    def _submitted(self, value: dict[str, Any], user: str, key: str | None, thread: str = "") -> Reply:
        """Route an ``Action.Submit`` from one of our cards (see ``cards.SUBMIT_ACTIONS``)."""
        conversation = self.conversation
        action = _text_value(value.get("action"), 40) or ""
        item_id = _text_value(value.get("item_id")) or _text_value(value.get("id"))
        question_id = _text_value(value.get("question_id"), 64)
        if question_id and not _QUESTION_ID.match(question_id):
            question_id = None
        if action in ("helpful", "not_helpful"):
            item = conversation.item(item_id) if item_id else None
            if item is None:
                return Reply(Kind.NOTICE, messages.NO_FEEDBACK_TARGET)
            reason = _text_value(value.get("reason"), cards.REASON_CHARS * 2) or ""
            return conversation.feedback(
                question_id=question_id,
                item_id=item.id,
                helpful=action == "helpful",
                reason=reason if action == "not_helpful" else "",
                user=user,
                surface=SURFACE,
                event_id=key,
                thread=thread,
            )
        if action == "none_of_these":
            return conversation.none_of_these(user, SURFACE, question_id=question_id, thread=thread)
        if action in ("show", "more") and item_id:  # "more" with an id: the full card (as the prototype's cards sent)
            return conversation.show(conversation.engine, item_id, user=user, surface=SURFACE, thread=thread)
        if action == "more":
            return conversation.more(user, SURFACE, thread=thread)
        if action == "themes":
            return conversation.themes()
        theme = _text_value(value.get("theme"))
        if action == "theme" and theme:
            return conversation.theme(conversation.engine, theme, user=user, surface=SURFACE, thread=thread)
        return conversation.handle("help", user, SURFACE, thread=thread)

    # --- Teams' own feedback buttons ---------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name == INVOKE_NAME:
            await asyncio.to_thread(self._native_feedback, turn_context.activity)
            return InvokeResponse(status=200, body={})  # Teams wants exactly this: any other body is a 400
        return await super().on_invoke_activity(turn_context)

    def _native_feedback(self, activity: Activity) -> None:
        """Record a 👍 / 👎 on an answer exactly as the card's Helpful / Not helpful buttons do.

        Teams shows its own "thank you" and the invoke's answer must be empty, so nothing is sent back: feedback
        on a message the bot does not know (another bot's, or older than the store keeps) is only logged."""
        given = verdict(activity.value)
        if given is None or self.sent is None or not activity.reply_to_id:
            log.info("Teams %s invoke without feedback the bot can use; ignored", INVOKE_NAME)
            return
        conversation_id = activity.conversation.id if activity.conversation else ""
        sent = self.sent.recall(conversation_id or "", str(activity.reply_to_id))
        item = self.conversation.item(sent.item_id) if sent is not None else None
        if sent is None or item is None:
            log.info("Teams feedback on a message the bot does not remember; not recorded")
            return
        self.conversation.feedback(
            question_id=sent.question_id,
            item_id=item.id,
            helpful=given.helpful,
            reason="" if given.helpful else given.text,
            user=user_of(activity),
            surface=SURFACE,
            event_id=event_key(activity),
            thread=thread_of(activity),
        )

    # --- installed or added ----------------------------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added: list[ChannelAccount] = activity.members_added or []
        removed: list[ChannelAccount] = activity.members_removed or []
        event = activity.channel_data.get("eventType") if isinstance(activity.channel_data, dict) else None
        if (bot_id and any(member.id == bot_id for member in removed)) or event == "teamDeleted":
            await self._forget_team(turn_context)
        elif bot_id and any(member.id == bot_id for member in added):
            await self._remember_team(turn_context)
            await self._welcome(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._remember_team(turn_context)
        if turn_context.activity.action == "add":  # not "add-upgrade": an update needs no second welcome
            await self._welcome(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._forget_team(turn_context)

    async def _remember_team(self, turn_context: TurnContext) -> None:
        """Added to a team: its General channel gets the weekly digest (personal and group chats do not)."""
        reference = team_reference(turn_context.activity)
        if self.channels is not None and reference is not None:
            await asyncio.to_thread(self.channels.register, reference)

    async def _forget_team(self, turn_context: TurnContext) -> None:
        team = team_id(turn_context.activity)
        if self.channels is not None and team:
            await asyncio.to_thread(self.channels.unregister, team)

    async def _welcome(self, turn_context: TurnContext) -> None:
        """Teams sends both installationUpdate and conversationUpdate on install: welcome once per conversation."""
        conversation = turn_context.activity.conversation
        if not await self._first_time(store_key("welcome", conversation.id if conversation else "")):
            return
        themes = await asyncio.to_thread(self.conversation.themes)
        message = MessageFactory.attachment(CardFactory.adaptive_card(cards.welcome_card(themes)))
        message.summary = cards.plain(messages.HELP.split("\n", 1)[0])
        await turn_context.send_activity(message)

    # --- messaging extension ---------------------------------------------------------------------------

    async def on_teams_messaging_extension_query(
        self, turn_context: TurnContext, query: MessagingExtensionQuery
    ) -> MessagingExtensionResponse:
        text = ""
        for parameter in query.parameters or []:
            if parameter.name != "initialRun" and isinstance(parameter.value, str):
                text = parameter.value[:MAX_SEARCH_CHARS]
        options = query.query_options
        skip = max(0, int(options.skip or 0)) if options else 0
        count = min(max(1, int(options.count or MAX_SEARCH_RESULTS)), MAX_SEARCH_RESULTS) if options else 10
        try:
            found = await asyncio.wait_for(asyncio.to_thread(self._search, text, skip + count), self.search_timeout)
        except TimeoutError:
            log.warning("Teams search took longer than %.1f s; answered with an apology", self.search_timeout)
            return _message_result(messages.APOLOGY)
        return _result([_search_attachment(item) for item in found[skip : skip + count]])

    def _search(self, text: str, limit: int) -> list[KnowledgeItem]:
        """Best matches for ``text`` (not recorded: Teams queries as the user types); recent items if empty."""
        if not text.strip():
            return list(self.conversation.recently_reviewed(limit))
        engine = self.conversation.engine
        answer = engine.answer(text, limit=limit, further=limit)
        ranked = [*answer.results, *answer.suggestions, *answer.further]
        seen: dict[str, KnowledgeItem] = {}
        for match in ranked:
            if match.score >= engine.suggest_score:
                seen.setdefault(match.item.id, match.item)
        return list(seen.values())[:limit]

    async def on_teams_messaging_extension_select_item(
        self, turn_context: TurnContext, query: Any
    ) -> MessagingExtensionResponse:
        """The user picked a result: record a share and give Teams the card to insert."""
        activity = turn_context.activity
        item_id = (_text_value(query.get("item_id")) if isinstance(query, dict) else None) or ""
        share = self.conversation.share
        user, key = user_of(activity), event_key(activity)
        try:
            reply = await asyncio.wait_for(
                asyncio.to_thread(share, item_id, user=user, surface=SURFACE, event_id=key), self.search_timeout
            )
        except TimeoutError:
            return _message_result(messages.APOLOGY)
        if reply.item is None:
            return _message_result(cards.plain(reply.text))
        return _result([_search_attachment(reply.item, tap=False)])


def _search_attachment(item: KnowledgeItem, *, tap: bool = True) -> MessagingExtensionAttachment:
    """A result: the card that gets inserted (links only) and its thumbnail preview (tap -> selectItem)."""
    preview = cards.preview(item, tap={"type": "invoke", "value": {"item_id": item.id}} if tap else None)
    return MessagingExtensionAttachment(
        content_type=cards.ADAPTIVE,
        content=cards.shared_card(item),
        preview=Attachment(content_type=preview["contentType"], content=preview["content"]),
    )


def _result(attachments: list[MessagingExtensionAttachment]) -> MessagingExtensionResponse:
    return MessagingExtensionResponse(
        compose_extension=MessagingExtensionResult(type="result", attachment_layout="list", attachments=attachments)
    )


def _message_result(text: str) -> MessagingExtensionResponse:
    return MessagingExtensionResponse(compose_extension=MessagingExtensionResult(type="message", text=text))
