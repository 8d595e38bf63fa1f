"""Modals and the App Home tab: the share form, the feedback form, the ask form, a reply in a modal.

Context a modal needs when it is submitted (which item, which question, where to confirm) travels in
``private_metadata`` as compact JSON (at most 3,000 characters), never in a server-side session.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack import wording
from adapters.slack.blocks import (
    MAX_VIEW_BLOCKS,
    Action,
    Block,
    Place,
    button,
    context_plain,
    fit,
    mrkdwn,
    plain,
    reply_blocks,
    section_plain,
)
from adapters.slack.escape import is_channel_id
from bot import KnowledgeItem, Reply, messages

MAX_METADATA = 3000
MAX_TITLE = 24
MAX_INPUT = 1000
"""Longest note or reason accepted (the core keeps reasons up to 1,000 characters)."""


class Callback:
    """``callback_id``s of the views and shortcuts (the manifest uses the shortcut ones)."""

    SHARE = "share_modal"
    FEEDBACK = "feedback_reason"
    ASK = "ask_evidence_modal"
    REPLY = "evidence_view"
    ASK_SHORTCUT = "ask_evidence"
    MESSAGE_SHORTCUT = "find_evidence"


class Field:
    """``block_id`` / ``action_id`` pairs of the inputs, read back on submission."""

    CHANNEL = ("share_channel", "channel")
    NOTE = ("share_note", "note")
    REASON = ("reason_block", "reason")
    QUESTION = ("question_block", "question")


def metadata(data: dict[str, Any]) -> str:
    """Compact JSON for ``private_metadata``; long values (a response URL) are dropped rather than cut."""
    text = json.dumps(data, separators=(",", ":"))
    if len(text) > MAX_METADATA:
        text = json.dumps({k: v for k, v in data.items() if k != "r"}, separators=(",", ":"))
    return text[:MAX_METADATA]


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def input_value(view: dict[str, Any], field: tuple[str, str], key: str = "value") -> Any:
    """A submitted value from ``view.state.values``, or None when the field is missing or empty."""
    block_id, action_id = field
    return ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get(action_id, {}).get(key)


def _modal(title: str, blocks: list[Block], callback_id: str, *, submit: str | None, meta: str = "") -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MAX_TITLE),
        "close": plain(wording.CANCEL if submit else wording.CLOSE, MAX_TITLE),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
        "private_metadata": meta[:MAX_METADATA],
    }
    if submit:
        view["submit"] = plain(submit, MAX_TITLE)
    return view


def share_modal(item: KnowledgeItem, *, channel: str | None = None) -> dict[str, Any]:
    """Channel picker (public and private channels; the current one preselected) and an optional note."""
    picker: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": Field.CHANNEL[1],
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": plain(wording.SHARE_CHANNEL_LABEL, 150),
    }
    if channel and is_channel_id(channel) and not channel.startswith("D"):
        picker["initial_conversation"] = channel
    else:
        picker["default_to_current_conversation"] = True
    blocks: list[Block] = [
        {"type": "section", "text": mrkdwn(f"{fit(wording.SHARE_INTRO, 100)} *{fit(item.title, 300)}*")},
        {
            "type": "input",
            "block_id": Field.CHANNEL[0],
            "label": plain(wording.SHARE_CHANNEL_LABEL, 2000),
            "element": picker,
        },
        {
            "type": "input",
            "block_id": Field.NOTE[0],
            "optional": True,
            "label": plain(wording.SHARE_NOTE_LABEL, 2000),
            "hint": plain(wording.SHARE_NOTE_HINT, 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": Field.NOTE[1],
                "multiline": True,
                "max_length": MAX_INPUT,
            },
        },
    ]
    return _modal(
        wording.SHARE_TITLE, blocks, Callback.SHARE, submit=wording.SHARE_SUBMIT, meta=metadata({"i": item.id})
    )


def feedback_modal(
    *, question_id: str | None, item_id: str, response_url: str | None, thread: str = ""
) -> dict[str, Any]:
    """The optional "what was missing" box; closing it still records "not helpful" (``notify_on_close``).
    ``thread`` is the conversation the answer was in (``delivery.thread_of``), carried to the verdict."""
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": Field.REASON[0],
            "optional": True,
            "label": plain(messages.FEEDBACK_REASON_PROMPT, 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": Field.REASON[1],
                "multiline": True,
                "max_length": MAX_INPUT,
            },
        }
    ]
    meta = metadata({"q": question_id, "i": item_id, "r": response_url, **({"t": thread} if thread else {})})
    view = _modal(wording.FEEDBACK_TITLE, blocks, Callback.FEEDBACK, submit=wording.FEEDBACK_SUBMIT, meta=meta)
    view["notify_on_close"] = True
    return view


def ask_modal() -> dict[str, Any]:
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": Field.QUESTION[0],
            "label": plain(wording.ASK_LABEL, 2000),
            "hint": plain(wording.ASK_HINT, 2000),
            "element": {"type": "plain_text_input", "action_id": Field.QUESTION[1], "max_length": 3000},
        }
    ]
    return _modal(wording.ASK_TITLE, blocks, Callback.ASK, submit=wording.ASK_SUBMIT)


def reply_modal(reply: Reply) -> dict[str, Any]:
    """A reply (an item, a theme's list) shown in a modal, e.g. from a button on the Home tab."""
    return _modal(
        wording.VIEW_TITLE, reply_blocks(reply, Place.MODAL, limit=MAX_VIEW_BLOCKS), Callback.REPLY, submit=None
    )


def home_view(themes: Reply, recent: tuple[KnowledgeItem, ...]) -> dict[str, Any]:
    """The App Home tab: how to ask, the themes (buttons), and the most recently reviewed items."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(messages.BOT_NAME, 150)},
        section_plain(wording.HOME_HOW_TO),
        context_plain(messages.FOOTER),
        {"type": "divider"},
        {"type": "header", "text": plain(wording.HOME_THEMES, 150)},
    ]
    blocks += reply_blocks(themes, Place.MODAL, limit=40)
    blocks += [{"type": "divider"}, {"type": "header", "text": plain(wording.HOME_RECENT, 150)}]
    for n, item in enumerate(recent[:20]):
        reviewed = item.reviewed.isoformat() if item.reviewed else ""
        blocks.append(
            {
                "type": "section",
                "block_id": f"recent_{n}",
                "text": mrkdwn(f"*{fit(item.title, 300)}*\n{fit(messages.REVIEWED.format(date=reviewed), 100)}"),
                "accessory": button(wording.OPEN_BUTTON, Action.SHOW_ITEM, item.id),
            }
        )
    if not recent:
        blocks.append(section_plain(wording.HOME_NOTHING_REVIEWED))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
