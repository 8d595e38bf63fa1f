"""The Slack app: one slack-bolt ``AsyncApp`` whose listeners turn Slack requests into core calls.

Where people ask: a direct message, an @mention in a channel (answered in the thread), ``/evidence``
(answered privately through ``response_url``), the message shortcut "Find evidence for this message", the
global shortcut "Ask the evidence" and the App Home tab. Buttons open items and themes, record "none of
these" and helpful / not helpful (with an optional reason), and share a card into a channel.

Every listener acknowledges first and works after (bolt answers Slack as soon as ``ack()`` runs; events
are acknowledged before the listener starts), so the 3-second rule holds however slow the core is.
Unhandled requests still get 200 from the catch-all listeners at the end, so Slack never retries them.
The same app serves the HTTP Events API (``adapters.slack.http``) and Socket Mode (``adapters.slack.server``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import wording
from adapters.slack.blocks import Action, Place, notice_message, reply_message, shared_message
from adapters.slack.client import ensure_rate_limit_retries, make_web_client
from adapters.slack.dedupe import drop_repeated_events, tag_socket_request
from adapters.slack.delivery import SURFACE, Body, Delivery, thread_of, who_sent
from adapters.slack.escape import question_text
from adapters.slack.http import register_signing_secret
from adapters.slack.logs import quiet_slack_loggers
from adapters.slack.settings import SlackSettings
from adapters.slack.views import (
    Callback,
    Field,
    ask_modal,
    feedback_modal,
    home_view,
    input_value,
    read_metadata,
    share_modal,
)
from bot import ConfigError, Kind, Reply, messages

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
_ITEM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ANY = re.compile(r".*")
_CANT_POST = ("not_in_channel", "channel_not_found", "is_archived", "restricted_action")


def build_slack_app(runtime: Any, settings: SlackSettings, *, client: AsyncWebClient | None = None) -> AsyncApp:
    """The bolt app for ``runtime`` (HTTP and Socket Mode alike); ``client`` overrides the Web API client."""
    if client is None:
        if not settings.bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from Slack")
        client = make_web_client(settings.bot_token, base_url=settings.api_url or None)
    app = AsyncApp(
        name="evidence-bot",
        signing_secret=settings.signing_secret,
        client=ensure_rate_limit_retries(client),
        logger=quiet_slack_loggers(),
    )
    register_signing_secret(app, settings.signing_secret)
    delivery = Delivery(runtime, client)
    app.middleware(tag_socket_request)
    app.middleware(drop_repeated_events(runtime))
    _add_questions(app, delivery)
    _add_buttons(app, delivery)
    _add_forms(app, delivery)
    _add_catch_alls(app)

    @app.error
    async def on_error(error: Exception, body: Body) -> None:
        """Failures outside the listeners' own guard (middleware, bolt itself)."""
        await delivery.failed(error, body if isinstance(body, dict) else {})

    return app


# --- asking: DMs, mentions, the slash command, shortcuts, App Home ---------------------------------------------


def _add_questions(app: AsyncApp, delivery: Delivery) -> None:
    guard = delivery.guarded

    @app.event("message")
    @guard
    async def direct_message(event: dict[str, Any], body: Body, context: Any) -> None:
        """Plain messages in the bot's DM only; edits, bot posts and other subtypes are acknowledged and ignored."""
        if event.get("subtype") or event.get("bot_id") or event.get("channel_type") != "im":
            return
        text = question_text(event.get("text") or "", context.bot_user_id)
        status_ts = str(event.get("thread_ts") or event.get("ts") or "")
        reply = await delivery.ask_showing_status(
            text, who_sent(body), thread_of(body), channel=str(event.get("channel") or ""), thread_ts=status_ts
        )
        await delivery.post(event["channel"], reply_message(reply, Place.CHAT), thread_ts=event.get("thread_ts"))

    @app.event("app_mention")
    @guard
    async def mention(event: dict[str, Any], body: Body, context: Any) -> None:
        """An @mention in a channel: answered in the thread (a DM mention is answered by ``direct_message``)."""
        if str(event.get("channel", "")).startswith("D") or event.get("bot_id"):
            return
        text = question_text(event.get("text") or "", context.bot_user_id)
        reply = await delivery.ask(text, who_sent(body), thread_of(body))
        thread = event.get("thread_ts") or event.get("ts")
        await delivery.post(event["channel"], reply_message(reply, Place.CHAT), thread_ts=thread)

    @app.event("app_home_opened")
    @guard
    async def home(event: dict[str, Any]) -> None:
        """The Home tab is drawn; opening the Messages tab (the agent view's conversation) sets suggested prompts."""
        if event.get("tab") == "messages" and event.get("channel"):
            await delivery.suggest_prompts(str(event["channel"]))
            return
        if event.get("tab") != "home" or not event.get("user"):
            return
        conversation = delivery.conversation
        themes, recent = await asyncio.to_thread(lambda: (conversation.themes(), conversation.recently_reviewed(5)))
        await delivery.client.views_publish(user_id=event["user"], view=home_view(themes, recent))

    @app.command(re.compile(r"^/"))
    @guard
    async def command(ack: Ack, body: Body) -> None:
        """``/evidence <question>`` (whatever the command is called): only the asker sees the answer."""
        await ack()
        reply = await delivery.ask(question_text(body.get("text") or ""), who_sent(body), thread_of(body))
        await delivery.respond(body["response_url"], reply_message(reply, Place.EPHEMERAL))

    @app.shortcut(Callback.MESSAGE_SHORTCUT)
    @guard
    async def find_evidence(ack: Ack, body: Body, context: Any) -> None:
        """The message shortcut: a colleague's message is the question; the answer is private."""
        await ack()
        text = question_text((body.get("message") or {}).get("text") or "", context.bot_user_id)
        reply = await delivery.ask(text, who_sent(body), thread_of(body))
        await delivery.respond(body["response_url"], reply_message(reply, Place.EPHEMERAL))

    @app.shortcut(Callback.ASK_SHORTCUT)
    @guard
    async def ask_form(ack: Ack, body: Body) -> None:
        await ack()
        await delivery.client.views_open(trigger_id=body["trigger_id"], view=ask_modal())

    @app.view(Callback.ASK)
    @guard
    async def asked(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """The "Ask the evidence" form: typed into a modal, so not Slack-escaped; answered in the app's DM."""
        await ack()
        who = who_sent(body)
        reply = await delivery.ask(str(input_value(view, Field.QUESTION) or ""), who, "im")  # the app's DM
        await delivery.post(who.user_id, reply_message(reply, Place.CHAT))


# --- buttons ------------------------------------------------------------------------------------------------


def _value(body: Body) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def _unknown_item(value: str) -> Reply:
    return Reply(Kind.NOTICE, messages.UNKNOWN_ITEM.format(name=value[:80]))


def _click_id(body: Body) -> str | None:
    """The click's own id (``action_ts``), so a repeated delivery is recorded once."""
    actions = body.get("actions") or [{}]
    ts = actions[0].get("action_ts")
    return f"action:{ts}:{who_sent(body).user_id}" if ts else None


def _add_buttons(app: AsyncApp, delivery: Delivery) -> None:
    guard = delivery.guarded

    @app.action(re.compile(f"^{Action.SHOW_ITEM}"))
    @guard
    async def show_item(ack: Ack, body: Body) -> None:
        await ack()
        item_id = _value(body)
        if not _ITEM_ID.match(item_id):
            await delivery.deliver(body, _unknown_item(item_id), private=True)
            return
        await delivery.deliver(body, await delivery.ask(f"show {item_id}", who_sent(body), thread_of(body)))

    @app.action(re.compile(f"^{Action.OPEN_THEME}"))
    @guard
    async def open_theme(ack: Ack, body: Body) -> None:
        await ack()
        await delivery.deliver(body, await delivery.ask(f"theme {_value(body)}", who_sent(body), thread_of(body)))

    @app.action(Action.THEMES)
    @guard
    async def browse_themes(ack: Ack, body: Body) -> None:
        await ack()
        await delivery.deliver(body, await delivery.ask("themes", who_sent(body), thread_of(body)))

    @app.action(Action.NONE_OF_THESE)
    @guard
    async def none_of_these(ack: Ack, body: Body) -> None:
        await ack()
        who = who_sent(body)
        reply = await asyncio.to_thread(
            lambda: delivery.conversation.none_of_these(
                who.key, SURFACE, question_id=_value(body) or None, thread=thread_of(body)
            )
        )
        await delivery.deliver(body, reply, private=True)

    async def record_helpful(body: Body, value: str) -> None:
        question_id, item_id = _feedback_target(value)
        who = who_sent(body)
        reply = await asyncio.to_thread(
            lambda: delivery.conversation.feedback(
                question_id=question_id,
                item_id=item_id,
                helpful=True,
                user=who.key,
                surface=SURFACE,
                event_id=_click_id(body),
                thread=thread_of(body),
            )
        )
        await delivery.deliver(body, reply, private=True)

    async def ask_what_was_missing(body: Body, value: str) -> None:
        """Open the reason form at once (the trigger expires in 3 s); it records on submit or on close."""
        question_id, item_id = _feedback_target(value)
        url = body.get("response_url")
        view = feedback_modal(question_id=question_id, item_id=item_id, response_url=url, thread=thread_of(body))
        await delivery.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.HELPFUL)
    @guard
    async def helpful(ack: Ack, body: Body) -> None:
        await ack()
        await record_helpful(body, _value(body))

    @app.action(Action.FEEDBACK)
    @guard
    async def native_feedback(ack: Ack, body: Body) -> None:
        """Block Kit's thumbs up / down: recorded exactly as the helpful / not helpful buttons are."""
        await ack()
        value = _value(body)
        if _is_helpful(value):
            await record_helpful(body, value)
        else:
            await ask_what_was_missing(body, value)

    @app.action(Action.NOT_HELPFUL)
    @guard
    async def not_helpful(ack: Ack, body: Body) -> None:
        await ack()
        await ask_what_was_missing(body, _value(body))

    @app.action(Action.SHARE)
    @guard
    async def share(ack: Ack, body: Body) -> None:
        await ack()
        item = delivery.conversation.item(_value(body))
        if item is None:  # removed from the collection since the card was sent
            await delivery.deliver(body, _unknown_item(_value(body)), private=True)
            return
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        view = share_modal(item, channel=channel)
        if container.get("type") == "view" and (body.get("view") or {}).get("type") == "modal":
            await delivery.client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            await delivery.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.POST_HERE)
    @guard
    async def post_here(ack: Ack, body: Body) -> None:
        """From an ephemeral answer: post the card where it was asked (``response_url`` works without membership)."""
        await ack()
        who = who_sent(body)
        item = delivery.conversation.item(_value(body))
        url = body.get("response_url")
        if item is None or not url:
            await delivery.deliver(body, _unknown_item(_value(body)), private=True)
            return
        card = shared_message(item, sharer_id=who.user_id, sharer_name=who.name or wording.A_COLLEAGUE)
        if await delivery.respond(url, card, response_type="in_channel"):
            await asyncio.to_thread(
                lambda: delivery.conversation.share(item.id, user=who.key, surface=SURFACE, event_id=_click_id(body))
            )
            await delivery.respond(url, notice_message(wording.POSTED_DONE), replace_original=True)


def _is_helpful(value: str) -> bool:
    """Which half of the native feedback element was pressed (``"h": 1`` is thumbs up)."""
    try:
        data = json.loads(value)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("h") == 1


def _feedback_target(value: str) -> tuple[str | None, str]:
    """The (question id, item id) a feedback button carries."""
    try:
        data = json.loads(value)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    question_id = data.get("q")
    return (str(question_id) if question_id else None), str(data.get("i") or "")


# --- forms: share, feedback reason --------------------------------------------------------------------------


def _add_forms(app: AsyncApp, delivery: Delivery) -> None:
    guard = delivery.guarded

    @app.view(Callback.SHARE)
    @guard
    async def shared(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Post the clean card (who shared it, their note) to the chosen channel, then record the share."""
        channel = input_value(view, Field.CHANNEL, "selected_conversation")
        item = delivery.conversation.item(str(read_metadata(view).get("i") or ""))
        if not channel or item is None:
            await ack(response_action="errors", errors={Field.CHANNEL[0]: wording.SHARE_FAILED})
            return
        await ack()
        who = who_sent(body)
        note = str(input_value(view, Field.NOTE) or "")
        card = shared_message(item, sharer_id=who.user_id, sharer_name=who.name or wording.A_COLLEAGUE, note=note)
        try:
            await delivery.post(str(channel), card)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error not in _CANT_POST:
                raise
            log.warning("could not share into a channel: %s", error)
            text = wording.NOT_IN_CHANNEL if error == "not_in_channel" else wording.SHARE_FAILED
            await delivery.post(who.user_id, notice_message(text))
            return
        await asyncio.to_thread(
            lambda: delivery.conversation.share(item.id, user=who.key, surface=SURFACE, event_id=f"view:{view['id']}")
        )

    async def record_not_helpful(body: Body, view: dict[str, Any], reason: str) -> str:
        meta = read_metadata(view)
        who = who_sent(body)
        reply = await asyncio.to_thread(
            lambda: delivery.conversation.feedback(
                question_id=str(meta["q"]) if meta.get("q") else None,
                item_id=str(meta.get("i") or ""),
                helpful=False,
                reason=reason,
                user=who.key,
                surface=SURFACE,
                event_id=f"view:{view.get('id')}",
                thread=str(meta.get("t") or ""),
            )
        )
        return reply.text

    @app.view(Callback.FEEDBACK)
    @guard
    async def reason_given(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        await ack()
        thanks = await record_not_helpful(body, view, str(input_value(view, Field.REASON) or ""))
        url = read_metadata(view).get("r")
        if url:
            await delivery.respond(str(url), notice_message(thanks))

    @app.view_closed(Callback.FEEDBACK)
    @guard
    async def reason_skipped(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Closing the form still counts as "not helpful", without a reason."""
        await ack()
        await record_not_helpful(body, view, "")


# --- everything else gets a quiet 200 ---------------------------------------------------------------------------


def _add_catch_alls(app: AsyncApp) -> None:
    """Registered last: bolt answers 404 to requests no listener matches, and Slack retries those."""

    async def acknowledge(ack: Ack) -> None:
        await ack()

    async def ignore() -> None:
        return None

    app.event(_ANY)(ignore)
    app.action(_ANY)(acknowledge)
    app.shortcut(_ANY)(acknowledge)
    app.view(_ANY)(acknowledge)
    app.view_closed(_ANY)(acknowledge)
    app.options(_ANY)(acknowledge)


__all__ = ["build_slack_app"]
