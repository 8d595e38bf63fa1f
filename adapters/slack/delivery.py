"""Asking the core and delivering its replies to the right place in Slack.

The core is synchronous, so every call runs in a worker thread (``asyncio.to_thread``) and the event
loop stays free to acknowledge other requests within Slack's 3 seconds. Where a reply goes depends on
where the click or message came from: a thread or DM gets a normal message, an ephemeral answer gets
another ephemeral one through its ``response_url``, and a button in a modal or on the Home tab opens
(or pushes) a modal.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import wording
from adapters.slack.blocks import Message, Place, notice_message, reply_message
from adapters.slack.client import post_to_response_url
from adapters.slack.views import reply_modal
from bot import Conversation, Reply, messages

log = logging.getLogger(__name__)

SURFACE = "slack"
STATUS_AFTER = 1.0
"""Seconds an answer may take before the agent view shows a loading status (answers usually take milliseconds)."""

Body = dict[str, Any]
Listener = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Who:
    """The person behind a request: Slack ids, and the key the conversation knows them by."""

    user_id: str
    team_id: str
    name: str = ""
    enterprise_id: str = ""
    """Set for a user of an Enterprise organisation (an org-wide install): their id is the same in every
    workspace of the organisation, so their conversations are keyed by the organisation, not the workspace."""

    @property
    def key(self) -> str:
        """Per organisation or workspace, so two councils' users never share a session (the store hashes it)."""
        owner = self.enterprise_id or self.team_id
        return f"{owner}:{self.user_id}" if owner else self.user_id


def enterprise_of(body: Body) -> str:
    """The Enterprise organisation a request comes from ("" for a standalone workspace), in any payload shape."""
    found = body.get("enterprise_id") or (body.get("enterprise") or {}).get("id")
    if not found:
        for grant in body.get("authorizations") or []:
            if isinstance(grant, dict) and grant.get("enterprise_id"):
                found = grant["enterprise_id"]
                break
    if not found:
        user = body.get("user")
        found = user.get("enterprise_id") if isinstance(user, dict) else None
    return str(found or "")


def who_sent(body: Body) -> Who:
    """The user of an event, a slash command or an interaction payload."""
    org = enterprise_of(body)
    user = body.get("user")
    if isinstance(user, dict):  # interactivity: block_actions, view_submission, shortcuts
        team = user.get("team_id") or (body.get("team") or {}).get("id") or ""
        name = str(user.get("name") or user.get("username") or "")
        return Who(str(user.get("id") or ""), str(team), name, org)
    if "command" in body:  # slash command form
        fields = (body.get("user_id"), body.get("team_id"), body.get("user_name"))
        return Who(*(str(f or "") for f in fields), org)
    event = body.get("event") or {}
    return Who(str(event.get("user") or ""), str(body.get("team_id") or event.get("team") or ""), "", org)


def thread_of(body: Body) -> str:
    """Which conversation a message or click belongs to, so follow-ups ("more", a number, yes/no) continue it.

    The bot's DM (typed messages, the cards there, answers to the "Ask the evidence" form) is ``im``, or
    ``im:<thread ts>`` in a thread of it; a channel thread is ``<channel>:<thread ts>`` (an @mention's own ts
    starts the thread its answer goes into); private answers (``/evidence``, the message shortcut, and their
    buttons) are ``<channel>``; buttons in a modal or on the Home tab are ``view``. The user is keyed apart.
    """
    event = body.get("event")
    if isinstance(event, dict):
        channel, thread = str(event.get("channel") or ""), event.get("thread_ts")
        if event.get("channel_type") == "im" or channel.startswith("D"):
            return f"im:{thread}" if thread else "im"
        return f"{channel}:{thread or event.get('ts') or ''}"
    if "command" in body:
        return str(body.get("channel_id") or "")
    container = body.get("container") or {}
    if container.get("type") == "view" or body.get("type") in ("view_submission", "view_closed"):
        return "view"
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    if container.get("is_ephemeral") or body.get("type") == "message_action":
        return channel
    message = body.get("message") or {}
    thread = container.get("thread_ts") or message.get("thread_ts")
    if channel.startswith("D"):
        return f"im:{thread}" if thread else "im"
    return f"{channel}:{thread or message.get('ts') or ''}"


class Delivery:
    """One per app: the runtime's conversation, the Web API client, and where replies go."""

    def __init__(self, runtime: Any, client: AsyncWebClient, *, status_after: float | None = None) -> None:
        self.runtime = runtime
        self.client = client
        self.status_after = status_after
        """None: ``STATUS_AFTER``, read at each message."""

    @property
    def conversation(self) -> Conversation:
        """Read on every call: a test (or a reload) may replace the conversation's parts."""
        return self.runtime.conversation  # type: ignore[no-any-return]

    # --- asking the core (in a thread) -------------------------------------------------------------

    async def ask(self, text: str, who: Who, thread: str = "") -> Reply:
        """``text`` from ``who`` in ``thread`` (``thread_of``), answered by the core in a worker thread."""
        conversation = self.conversation
        return await asyncio.to_thread(lambda: conversation.handle(text, who.key, SURFACE, thread=thread))

    async def ask_showing_status(self, text: str, who: Who, thread: str, *, channel: str, thread_ts: str) -> Reply:
        """``ask``, and if the answer is not ready within ``STATUS_AFTER`` seconds, show Slack's loading status in
        the conversation (agent view) while it is worked out. Most answers take milliseconds: no status then."""
        answering = asyncio.ensure_future(self.ask(text, who, thread))
        after = STATUS_AFTER if self.status_after is None else self.status_after
        done, _ = await asyncio.wait({answering}, timeout=after)
        if not done and channel and thread_ts:
            await self.set_status(channel, thread_ts)
        return await answering

    async def set_status(self, channel: str, thread_ts: str) -> None:
        """``assistant.threads.setStatus``; Slack removes it when the reply is posted in that thread, or after two
        minutes. A workspace without the agent view refuses it: that only costs the status, never the answer."""
        try:
            await self.client.assistant_threads_setStatus(
                channel_id=channel, thread_ts=thread_ts, status=wording.LOOKING
            )
        except Exception as exc:  # no agent view (free plan, old manifest) or Slack unavailable
            log.info("could not show the loading status (%s)", _slack_error(exc))

    async def suggest_prompts(self, channel: str) -> None:
        """Up to four first questions in the app's Messages tab (``assistant.threads.setSuggestedPrompts``).

        Called when someone opens the tab (``app_home_opened``, tab "messages"): with the agent view, Slack shows
        them above the composer. No ``thread_ts``: Slack's reference says an agent-view app must not send one (the
        call would silently fail). A workspace without the agent view refuses the call; the DM works as before.
        """
        conversation = self.conversation
        prompts = await asyncio.to_thread(lambda: conversation.suggested_prompts(4))
        if not prompts:
            return
        try:
            await self.client.assistant_threads_setSuggestedPrompts(
                channel_id=channel,
                title=messages.SUGGESTED_PROMPTS_TITLE,
                prompts=[{"title": title, "message": message} for title, message in prompts],
            )
        except Exception as exc:
            log.info("could not set the suggested prompts (%s)", _slack_error(exc))

    # --- sending ------------------------------------------------------------------------------------

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> None:
        await self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            mrkdwn=False,  # the fallback text may echo a user: no formatting
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )

    async def respond(
        self,
        response_url: str,
        message: Message,
        *,
        response_type: str = "ephemeral",
        replace_original: bool = False,
    ) -> bool:
        payload = {**message.payload(), "response_type": response_type, "replace_original": replace_original}
        return await post_to_response_url(response_url, payload)

    async def deliver(self, body: Body, reply: Reply, *, private: bool = False) -> None:
        """Answer a button click where it happened (see the module docstring)."""
        container = body.get("container") or {}
        if container.get("type") == "view":
            view = reply_modal(reply)
            if (body.get("view") or {}).get("type") == "modal":
                await self.client.views_push(trigger_id=body["trigger_id"], view=view)
            else:
                await self.client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        response_url = body.get("response_url")
        if (private or container.get("is_ephemeral")) and response_url:
            await self.respond(response_url, reply_message(reply, Place.EPHEMERAL))
            return
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        if channel:
            thread_ts = (body.get("message") or {}).get("thread_ts")
            await self.post(channel, reply_message(reply, Place.CHAT), thread_ts=thread_ts)

    def guarded(self, listener: Listener) -> Listener:
        """Wrap a listener so a failure is logged with its traceback and the user gets the apology.

        Listeners catch their own failures rather than leave them to bolt's error handler: when a listener
        fails right after ``ack()``, bolt 1.30 resets the ack, so Slack waits 3 s for its answer (and shows
        the user a timeout) instead of getting it at once. bolt reads the wrapped listener's arguments
        through ``__wrapped__``, so injection works as before.
        """

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            try:
                await listener(**kwargs)
            except Exception as exc:
                ack = kwargs.get("ack")
                if ack is not None and getattr(ack, "response", None) is None:
                    await ack()
                await self.failed(exc, kwargs.get("body") or kwargs.get("command") or {})

        return run

    async def failed(self, error: BaseException, body: Body) -> None:
        """Log the traceback (never the request) and apologise to the user."""
        trace = (type(error), error, error.__traceback__)
        log.error("a Slack request failed (%s)", type(error).__name__, exc_info=trace)
        await self.apologise(body)

    async def apologise(self, body: Body) -> None:
        """Tell the user something went wrong, wherever they were; never raises."""
        apology = notice_message(messages.APOLOGY)
        try:
            if body.get("response_url"):
                await self.respond(str(body["response_url"]), apology)
                return
            event = body.get("event") or {}
            if event.get("type") in ("message", "app_mention") and event.get("channel"):
                thread = event.get("thread_ts") or (event.get("ts") if event["type"] == "app_mention" else None)
                await self.post(str(event["channel"]), apology, thread_ts=thread)
                return
            if body.get("type") == "view_submission" and who_sent(body).user_id:
                await self.post(who_sent(body).user_id, apology)  # the app's Messages tab
        except Exception:
            log.exception("could not send the apology either")


def _slack_error(exc: Exception) -> str:
    """Slack's error code for a refused call ("not_allowed_token_type", "missing_scope"), else the exception's name."""
    response = getattr(exc, "response", None)
    try:
        code = response.get("error") if response is not None else None
    except Exception:
        code = None
    return str(code or type(exc).__name__)
