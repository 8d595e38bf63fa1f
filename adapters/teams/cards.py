"""Adaptive Cards for every ``Reply`` of the core, for cards shared from the compose box, and the welcome.

Rules that keep the cards safe and readable on every Teams client:

* schema version 1.2 (always set): Teams mobile has dropped cards with a newer or missing version;
* every piece of text is a ``TextRun`` inside a ``RichTextBlock``. A ``TextBlock`` parses Markdown, so a
  question such as ``[click](https://evil)`` or ``**urgent**`` would become a link or bold text; a
  ``TextRun`` is shown as written. ``{{`` (Teams date functions) and ``<at`` (mentions) get an invisible
  break as a second line of defence;
* the only URLs are curated links (validated as http(s) when the knowledge is loaded), as ``Action.OpenUrl``;
* buttons that call the bot are ``Action.Submit`` with ``data`` naming an ``action`` (see ``SUBMIT_ACTIONS``);
  cards inserted into a conversation by the messaging extension carry no such buttons.
"""

from __future__ import annotations

import re
from typing import Any

from bot import messages
from bot.conversation import Kind, Reply
from bot.knowledge import KnowledgeItem
from bot.render import card_facts

CARD_VERSION = "1.2"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
THUMBNAIL = "application/vnd.microsoft.card.thumbnail"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

SUBMIT_ACTIONS = ("helpful", "not_helpful", "none_of_these", "show", "more", "themes", "theme", "help")
"""The ``action`` names the bot's own ``Action.Submit`` buttons send; ``bot.py`` routes each one."""

MAX_LINKS = 5
MAX_CHOICES = 10
MAX_THEMES = 20
MAX_TITLE = 80
MAX_RUN = 3000
REASON_CHARS = 500

_DEFANG = re.compile(r"\{(?=\{)|\}(?=\})|<(?=/?at)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

Json = dict[str, Any]


# --- text ------------------------------------------------------------------------------------------------


def plain(text: str, limit: int = MAX_RUN) -> str:
    """Text as it may appear in a ``TextRun`` or a button title: no control characters, no ``{{``/``<at``.

    A lone surrogate (legal in JSON) would make the reply impossible to encode, so it becomes U+FFFD.
    """
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))
    text = _DEFANG.sub(lambda m: m.group(0) + "\u200b", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_block(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    italic: bool = False,
    spacing: str | None = None,
) -> list[Json]:
    """One ``RichTextBlock`` per line of ``text`` (line breaks inside a run are not rendered everywhere)."""
    blocks: list[Json] = []
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n")):
        if not line.strip():
            continue
        run: Json = {"type": "TextRun", "text": plain(line)}
        for key, value in (("size", size), ("weight", weight), ("color", color)):
            if value:
                run[key] = value
        if subtle:
            run["isSubtle"] = True
        if italic:
            run["italic"] = True
        block: Json = {"type": "RichTextBlock", "inlines": [run]}
        if n > 0 and blocks:
            block["spacing"] = "None"
        elif spacing:
            block["spacing"] = spacing
        blocks.append(block)
    return blocks


def _title(text: str) -> str:
    return plain(" ".join(text.split()), MAX_TITLE)


# --- actions ---------------------------------------------------------------------------------------------


def submit(title: str, action: str, **data: str | None) -> Json:
    """An ``Action.Submit`` whose ``data`` the bot receives as the message activity's ``value``."""
    payload = {"action": action, **{k: v for k, v in data.items() if v is not None}}
    return {"type": "Action.Submit", "title": _title(title), "data": payload}


def open_url(title: str, url: str) -> Json:
    return {"type": "Action.OpenUrl", "title": _title(title), "url": url}


def action_set(*actions: Json) -> Json:
    return {"type": "ActionSet", "actions": list(actions)}


def card(body: list[Json], actions: list[Json] | None = None, *, fallback: str = "") -> Json:
    """The card envelope: schema, version, full width in Teams, plain fallback text."""
    content: Json = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        content["actions"] = actions
    if fallback:
        content["fallbackText"] = plain(fallback, 300)
    content["msteams"] = {"width": "Full"}
    return content


def attachment(content: Json) -> Json:
    return {"contentType": ADAPTIVE, "content": content}


# --- evidence --------------------------------------------------------------------------------------------


def item_body(item: KnowledgeItem, *, full: bool) -> list[Json]:
    """The facts of one item in ``card_facts`` order: title, effect, summary, (findings), reviewed."""
    facts = card_facts(item)
    body = text_block(facts.title, size="Medium", weight="Bolder", spacing="Medium")
    if facts.effect:
        body += text_block(facts.effect, weight="Bolder", color="Accent")
    body += text_block(facts.summary)
    if full and facts.findings:
        body += text_block(messages.FINDINGS, weight="Bolder", spacing="Medium")
        for finding in facts.findings:
            body += text_block(f"• {finding}")
    body += text_block(facts.reviewed, subtle=True, size="Small")
    if facts.links:
        body.append(action_set(*(open_url(title, url) for title, url in facts.links[:MAX_LINKS])))
    return body


def _notices(reply: Reply, *, urgent: bool) -> list[Json]:
    body: list[Json] = []
    for notice in reply.notices:
        if (notice == messages.URGENT) == urgent:
            body += text_block(notice, weight="Bolder" if urgent else None, color="Attention" if urgent else None)
    return body


def _feedback_actions(reply: Reply) -> list[Json]:
    assert reply.item is not None
    ids = {"question_id": reply.question_id, "item_id": reply.item.id}
    reason_form = card(
        [
            {
                "type": "Input.Text",
                "id": "reason",
                "placeholder": plain(messages.FEEDBACK_REASON_PROMPT),
                "isMultiline": True,
                "maxLength": REASON_CHARS,
            }
        ],
        [submit(messages.SEND_FEEDBACK, "not_helpful", **ids)],
    )
    del reason_form["msteams"], reason_form["$schema"]
    return [
        submit(messages.HELPFUL, "helpful", **ids),
        {"type": "Action.ShowCard", "title": _title(messages.NOT_HELPFUL), "card": reason_form},
    ]


def reply_card(reply: Reply) -> Json:
    """The Adaptive Card for any ``Reply`` kind, with the buttons that call the bot back."""
    body = _notices(reply, urgent=True)
    if reply.item is None or reply.text != reply.item.title:  # an ITEM's lead is its title, shown below
        body += text_block(reply.text, subtle=reply.item is not None)
    actions: list[Json] = []
    if reply.item is not None:
        full = reply.kind is Kind.ITEM
        body += item_body(reply.item, full=full)
        if not full and reply.item.findings:
            body.append(action_set(submit(messages.FINDINGS, "show", item_id=reply.item.id)))
        if reply.see_also:
            body += text_block(messages.SEE_ALSO, weight="Bolder", spacing="Medium")
            body += [action_set(submit(other.title, "show", item_id=other.id)) for other in reply.see_also]
        body += text_block(messages.FOOTER, subtle=True, italic=True, size="Small", spacing="Medium")
        if reply.offers_feedback:
            body += text_block(messages.FEEDBACK_PROMPT, spacing="Medium")
            actions = _feedback_actions(reply)
    for match in reply.choices[:MAX_CHOICES]:
        body.append(action_set(submit(match.item.title, "show", item_id=match.item.id)))
    if reply.kind is Kind.DID_YOU_MEAN and reply.answer is not None:
        body.append(action_set(submit(messages.NONE_OF_THESE, "none_of_these", question_id=reply.question_id)))
    body += _theme_buttons(reply.themes)
    body += _notices(reply, urgent=False)
    return card(body, actions, fallback=summary_text(reply))


def _theme_buttons(themes: tuple[tuple[str, int], ...]) -> list[Json]:
    return [action_set(submit(f"{name} ({count})", "theme", theme=name)) for name, count in themes[:MAX_THEMES]]


def welcome_card(themes: Reply) -> Json:
    """Sent when the bot is installed or added: how to ask, then the themes as buttons."""
    body = text_block(messages.BOT_NAME, size="Medium", weight="Bolder")
    body += text_block(messages.HELP)
    if themes.themes:
        body += text_block(messages.THEMES_LEAD, spacing="Medium")
        body += _theme_buttons(themes.themes)
    return card(body, fallback=messages.HELP.split("\n", 1)[0])


def shared_card(item: KnowledgeItem) -> Json:
    """A card someone inserts into a conversation: the facts and the links, no buttons that call the bot."""
    body = item_body(item, full=False)
    body += text_block(messages.FOOTER, subtle=True, italic=True, size="Small", spacing="Medium")
    return card(body, fallback=item.title)


def preview(item: KnowledgeItem, *, tap: Json | None = None) -> Json:
    """The thumbnail shown in the messaging extension's result list (Teams shows it as plain text)."""
    facts = card_facts(item)
    content: Json = {"title": plain(facts.title, 200), "text": plain(facts.effect or facts.summary, 300)}
    if tap is not None:
        content["tap"] = tap
    return {"contentType": THUMBNAIL, "content": content}


def summary_text(reply: Reply) -> str:
    """Plain text for notifications and the activity ``summary``: the lead, plus the title if there is one."""
    lead = reply.text.split("\n", 1)[0]
    if reply.item is not None and reply.item.title not in lead:
        lead = f"{lead} {reply.item.title}"
    return plain(" ".join(lead.split()), 300)
