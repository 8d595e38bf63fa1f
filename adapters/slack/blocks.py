"""The core's ``Reply`` as a Block Kit message: every kind, within Slack's limits, safely escaped.

Rules kept here, so no listener has to remember them:

* every string goes through ``escape`` (via ``plain``, ``mrkdwn`` or ``fit``), curated text included;
* text that may hold a user's words (the lead sentence, notices, a share note) is only ever ``plain_text``,
  so it can neither ping nor restyle; curated text may use ``mrkdwn`` (bold titles, links), always with
  ``verbatim`` so Slack does not turn words into links on its own;
* link URLs come only from curated items (``escape.link``);
* limits (blocks per message, text lengths, button labels) are enforced by truncating escaped text
  without ever cutting an entity in half, and ``Message.text`` is a readable plain-text fallback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from adapters.slack import wording
from adapters.slack.escape import escape, link, user_mention
from bot import Kind, KnowledgeItem, Reply, messages
from bot.render import card_facts

Block = dict[str, Any]

MAX_BLOCKS = 50
"""Blocks in one message (a modal or the Home tab may hold 100)."""
MAX_VIEW_BLOCKS = 100
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_CONTEXT = 2000
MAX_VALUE = 2000
MAX_ACTIONS = 25
"""Elements in one actions block."""
MAX_FALLBACK = 3000
"""The notification text; Slack cuts at 40,000, but nobody reads a notification that long."""
MAX_CHOICES = 15
"""Items listed one per block (a theme, "more"); the rest are counted in a closing line."""
MAX_THEME_BUTTONS = 75
_ESCAPED = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BUTTON_BLOCKS = ("actions", "context_actions")


class Place(Enum):
    """Where a reply will be shown, which decides the buttons it carries."""

    CHAT = "chat"
    """A DM or a thread: a normal message; "Share to channel" opens the share modal."""
    EPHEMERAL = "ephemeral"
    """Only the asker sees it (slash command, message shortcut): it can also be posted where it is."""
    MODAL = "modal"
    """Inside a modal or the Home tab: no feedback buttons, views are pushed."""


class Action:
    """``action_id``s: listeners match on these prefixes (a block needs its ids to be unique)."""

    SHOW_ITEM = "show_item"
    OPEN_THEME = "open_theme"
    NONE_OF_THESE = "none_of_these"
    HELPFUL = "feedback_helpful"
    NOT_HELPFUL = "feedback_not_helpful"
    FEEDBACK = "feedback_buttons"
    """Block Kit's own ``feedback_buttons`` element (thumbs up / down), in chat messages."""
    SHARE = "share_to_channel"
    POST_HERE = "post_in_channel"
    THEMES = "browse_themes"


@dataclass(frozen=True)
class Message:
    """What ``chat.postMessage`` / ``response_url`` receive: a fallback ``text`` and the ``blocks``."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """``mrkdwn: false`` keeps the fallback text (which may echo a user) from being formatted."""
        return {"text": self.text, "blocks": self.blocks, "mrkdwn": False}


# --- text objects ---------------------------------------------------------------------------------------


def fit(text: str, limit: int) -> str:
    """``text`` escaped and, if needed, shortened with "…" so the escaped form has at most ``limit`` chars.

    Characters are taken whole, escaped one by one, so an entity (``&amp;``) is never split.
    """
    out = escape(text)
    if len(out) <= limit:
        return out
    pieces: list[str] = []
    used = 0
    for char in text[:limit]:  # each piece is at least one character long
        piece = _ESCAPED.get(char, char)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + "…"


def plain(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def mrkdwn(escaped: str) -> dict[str, Any]:
    """A mrkdwn object from text that is already escaped and within limits."""
    return {"type": "mrkdwn", "text": escaped or " ", "verbatim": True}


def _lines(head: str, lines: list[str], limit: int = MAX_SECTION) -> str:
    """Escaped lines under an escaped heading, stopping (with "…") before the limit instead of cutting one."""
    out = head
    for n, line in enumerate(lines):
        more = f"\n{line}"
        if len(out) + len(more) > limit - 2:
            return out + "\n…" if n else out
        out += more
    return out


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label, MAX_BUTTON), "action_id": action_id[:255]}
    if value:  # Slack refuses an empty value
        element["value"] = value[:MAX_VALUE]
    if style:
        element["style"] = style
    return element


def section_plain(text: str) -> Block:
    return {"type": "section", "text": plain(text)}


def context_plain(*texts: str) -> Block:
    return {"type": "context", "elements": [plain(t, MAX_CONTEXT) for t in texts[:10]]}


def feedback_value(question_id: str | None, item_id: str, helpful: bool | None = None) -> str:
    """What the helpful / not helpful buttons carry back: the question and the item it is about (and, for the
    two halves of Block Kit's feedback element, which one was pressed)."""
    value: dict[str, Any] = {"q": question_id, "i": item_id}
    if helpful is not None:
        value["h"] = int(helpful)
    return json.dumps(value, separators=(",", ":"))


def feedback_buttons(question_id: str | None, item_id: str) -> Block:
    """Slack's native thumbs up / down (a ``feedback_buttons`` element in a ``context_actions`` block)."""

    def half(label: str, helpful: bool, spoken: str) -> dict[str, Any]:
        value = feedback_value(question_id, item_id, helpful)
        return {"text": plain(label, MAX_BUTTON), "value": value[:MAX_VALUE], "accessibility_label": spoken[:75]}

    element = {
        "type": "feedback_buttons",
        "action_id": Action.FEEDBACK,
        "positive_button": half(messages.HELPFUL, True, wording.HELPFUL_ACCESSIBLE),
        "negative_button": half(messages.NOT_HELPFUL, False, wording.NOT_HELPFUL_ACCESSIBLE),
    }
    return {"type": "context_actions", "block_id": f"feedback|{item_id}"[:255], "elements": [element]}


# --- the evidence card ----------------------------------------------------------------------------------


def card_blocks(item: KnowledgeItem, *, full: bool = False) -> list[Block]:
    """Title, summary, effect + strength, reviewed date, links (all of them and the findings when ``full``)."""
    facts = card_facts(item)
    blocks: list[Block] = [
        {"type": "header", "text": plain(facts.title, MAX_HEADER)},
        {"type": "section", "text": mrkdwn(fit(facts.summary, MAX_SECTION))},
    ]
    details = [mrkdwn(fit(facts.effect, MAX_CONTEXT))] if facts.effect else []
    details.append(plain(facts.reviewed, MAX_CONTEXT))
    blocks.append({"type": "context", "elements": details})
    if full and facts.findings:
        findings = [f"• {fit(f, 1000)}" for f in facts.findings]
        blocks.append({"type": "section", "text": mrkdwn(_lines(f"*{escape(messages.FINDINGS)}*", findings))})
    links = facts.links if full else facts.links[:2]
    lines = [f"• {link(url, fit(title, 300))}" for title, url in links]
    hidden = len(facts.links) - len(links)
    if hidden:
        lines.append(escape(wording.MORE_LINKS.format(count=hidden)))
    blocks.append({"type": "section", "text": mrkdwn(_lines(f"*{escape(messages.LINKS)}*", lines))})
    return blocks


def _see_also(item: KnowledgeItem, n: int) -> Block:
    text = f"{escape(messages.SEE_ALSO)}: *{fit(item.title, 300)}*"
    return {
        "type": "section",
        "block_id": f"see_also_{n}",
        "text": mrkdwn(text),
        "accessory": button(wording.OPEN_BUTTON, Action.SHOW_ITEM, item.id),
    }


def _card_actions(item: KnowledgeItem, reply: Reply, place: Place) -> list[Block]:
    elements: list[dict[str, Any]] = []
    if place is Place.EPHEMERAL:
        elements.append(button(wording.POST_HERE_BUTTON, Action.POST_HERE, item.id, style="primary"))
    elements.append(button(wording.SHARE_BUTTON, Action.SHARE, item.id))
    blocks: list[Block] = []
    native = place is Place.CHAT  # Block Kit's feedback element in messages; the classic buttons elsewhere
    if reply.offers_feedback and place is not Place.MODAL:
        blocks.append(context_plain(messages.FEEDBACK_PROMPT))
        if not native:
            value = feedback_value(reply.question_id, item.id)
            elements += [
                button(messages.HELPFUL, Action.HELPFUL, value),
                button(messages.NOT_HELPFUL, Action.NOT_HELPFUL, value),
            ]
    blocks.append({"type": "actions", "block_id": f"card|{item.id}"[:255], "elements": elements})
    if reply.offers_feedback and native:
        blocks.append(feedback_buttons(reply.question_id, item.id))
    return blocks


# --- lists: suggestions, themes, further results ----------------------------------------------------------


def _choice_section(item: KnowledgeItem, n: int) -> Block:
    facts = card_facts(item)
    text = f"*{fit(item.title, 300)}*"
    if facts.effect:
        text += "\n" + fit(facts.effect, 1000)
    return {
        "type": "section",
        "block_id": f"choice_{n}",
        "text": mrkdwn(text),
        "accessory": button(wording.OPEN_BUTTON, Action.SHOW_ITEM, item.id),
    }


def _suggestion_buttons(reply: Reply) -> list[Block]:
    elements = [
        button(m.item.title, f"{Action.SHOW_ITEM}_{n}", m.item.id)
        for n, m in enumerate(reply.choices[: MAX_ACTIONS - 1])
    ]
    if reply.answer is not None:
        elements.append(button(messages.NONE_OF_THESE, Action.NONE_OF_THESE, reply.question_id or ""))
    return [{"type": "actions", "block_id": "suggestions", "elements": elements}] if elements else []


def _theme_buttons(themes: tuple[tuple[str, int], ...]) -> list[Block]:
    shown = themes[:MAX_THEME_BUTTONS]
    blocks: list[Block] = []
    for start in range(0, len(shown), MAX_ACTIONS):
        chunk = shown[start : start + MAX_ACTIONS]
        elements = [
            button(f"{name} ({count})", f"{Action.OPEN_THEME}_{start + n}", name)
            for n, (name, count) in enumerate(chunk)
        ]
        blocks.append({"type": "actions", "block_id": f"themes_{start}", "elements": elements})
    if len(themes) > len(shown):
        blocks.append(context_plain(wording.MORE_THEMES.format(count=len(themes) - len(shown))))
    return blocks


def _themes_button() -> Block:
    return {"type": "actions", "block_id": "browse", "elements": [button(wording.THEMES_BUTTON, Action.THEMES, "")]}


# --- a whole reply ----------------------------------------------------------------------------------------


def reply_blocks(reply: Reply, place: Place = Place.CHAT, *, limit: int = MAX_BLOCKS) -> list[Block]:
    """Every ``Kind`` of reply as blocks; the lead sentence and notices are plain text (they may echo a user).

    Order: urgent notice, lead sentence, content (card, list or themes), other notices, then the buttons.
    """
    urgent = [n for n in reply.notices if n == messages.URGENT]
    others = [n for n in reply.notices if n != messages.URGENT]
    blocks: list[Block] = [section_plain(f"⚠️ {n}") for n in urgent]
    if not (reply.kind is Kind.ITEM and reply.item is not None and reply.text == reply.item.title):
        blocks.append(section_plain(reply.text))
    actions: list[Block] = []
    if reply.item is not None:
        blocks += card_blocks(reply.item, full=reply.kind is Kind.ITEM)
        blocks += [_see_also(other, n) for n, other in enumerate(reply.see_also)]
        blocks.append(context_plain(messages.FOOTER))
        actions = _card_actions(reply.item, reply, place)
    elif reply.kind is Kind.DID_YOU_MEAN:
        actions = _suggestion_buttons(reply)
    elif reply.choices:
        blocks += [_choice_section(m.item, n) for n, m in enumerate(reply.choices[:MAX_CHOICES])]
        hidden = len(reply.choices) - MAX_CHOICES
        if hidden > 0:
            blocks.append(context_plain(wording.MORE_CHOICES.format(count=hidden)))
    if reply.themes:
        blocks += _theme_buttons(reply.themes)
    if reply.kind in (Kind.HELP, Kind.NO_MATCH) and place is not Place.MODAL:
        actions = [_themes_button()]
    if others:
        blocks.append(context_plain(*others))
    return cap_blocks(blocks + actions, limit)


def cap_blocks(blocks: list[Block], limit: int) -> list[Block]:
    """At most ``limit`` blocks; when cutting, the final button blocks (actions, feedback) are kept."""
    if len(blocks) <= limit:
        return blocks
    tail: list[Block] = []
    while len(tail) < 2 and len(tail) < len(blocks) and blocks[-1 - len(tail)].get("type") in _BUTTON_BLOCKS:
        tail.insert(0, blocks[-1 - len(tail)])
    return blocks[: limit - len(tail)] + tail


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text: the lead, plus the card title or the choices, escaped."""
    parts = [messages.URGENT] if messages.URGENT in reply.notices else []
    parts.append(reply.text)
    if reply.item is not None:
        facts = card_facts(reply.item)
        parts.append(" — ".join(x for x in (facts.title, facts.effect) if x))
    elif reply.choices:
        parts.append("; ".join(m.item.title for m in reply.choices[:5]))
    elif reply.themes:
        parts.append(", ".join(name for name, _ in reply.themes[:10]))
    return fit("\n".join(p for p in parts if p), MAX_FALLBACK)


def reply_message(reply: Reply, place: Place = Place.CHAT) -> Message:
    return Message(fallback_text(reply), reply_blocks(reply, place))


def shared_message(item: KnowledgeItem, *, sharer_id: str, sharer_name: str, note: str = "") -> Message:
    """The clean card a lead posts into a channel: who shared it, their note (plain text), no buttons."""
    who = user_mention(sharer_id) or escape(sharer_name)
    blocks: list[Block] = [{"type": "context", "elements": [mrkdwn(escape(messages.SHARED).format(who=who))]}]
    if note.strip():
        blocks.append(section_plain(messages.SHARE_NOTE.format(who=sharer_name, note=note.strip())))
    blocks += card_blocks(item)
    blocks.append(context_plain(messages.FOOTER))
    text = fit(f"{messages.SHARED.format(who=sharer_name)}: {item.title}", MAX_FALLBACK)
    return Message(text, cap_blocks(blocks, MAX_BLOCKS))


def notice_message(text: str) -> Message:
    """A one-line reply (thanks, errors, confirmations) in plain text."""
    return Message(fit(text, MAX_FALLBACK), [section_plain(text)])
