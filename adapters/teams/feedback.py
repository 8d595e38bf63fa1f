"""Teams' own feedback buttons (the "feedback loop"): which answer a 👍 or 👎 was about, and what it said.

An answer goes out with ``channelData.feedbackLoop = {"type": "default"}``; Teams then shows 👍 / 👎 under the
message (and its own short form) and sends the bot an invoke::

    {"type": "invoke", "name": "message/submitAction", "replyToId": "<the answer's message id>",
     "value": {"actionName": "feedback",
               "actionValue": {"reaction": "like" | "dislike", "feedback": "{\\"feedbackText\\": \\"...\\"}"}}}

The invoke names only the message, so the bot remembers, for each answer it sent, the item and the stored
question it was about (``SentAnswers``), in the shared store, so whichever instance receives the invoke can
record it. The invoke must be answered 200 with an empty JSON object: anything else is a 400 for Teams.
Documented in "Enhance AI-generated bot messages" (Feedback buttons), separately from the AI label, which
the bot does not set: its answers are curated evidence, not generated text.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.recording import StateKeeper
from bot.text import clean_unicode

log = logging.getLogger(__name__)

FEEDBACK_LOOP = {"feedbackLoop": {"type": "default"}}
"""The ``channelData`` that turns on Teams' feedback buttons with its default form."""
INVOKE_NAME = "message/submitAction"
SURFACE = "teams-sent"
"""The store key's surface for sent answers (kept apart from conversations' own state, ``teams``)."""
MAX_TEXT = 1000
"""Characters of the form's text read (the card's own reason box allows 500; the core keeps 500)."""


@dataclass(frozen=True)
class SentAnswer:
    item_id: str
    question_id: str | None


@dataclass(frozen=True)
class Verdict:
    helpful: bool
    text: str


def base_conversation(conversation_id: str) -> str:
    """A channel thread's id carries ``;messageid=<root>``; message ids are unique in the whole channel."""
    return conversation_id.split(";messageid=", 1)[0]


class SentAnswers:
    """Which item (and stored question) each answer the bot sent was about, keyed by conversation and message.

    Kept with the conversations' state (``StateKeeper``): hashed keys, forgotten after ``STATE_HOURS``, so
    feedback on an older answer is not recorded (its card's own buttons still work). Never raises.
    """

    def __init__(self, keeper: StateKeeper) -> None:
        self.keeper = keeper

    def remember(self, conversation_id: str, message_id: str, *, item_id: str, question_id: str | None) -> bool:
        state = json.dumps({"item": item_id, "qid": question_id})
        return self.keeper.save_state(surface=SURFACE, thread=_key(conversation_id, message_id), user="", state=state)

    def recall(self, conversation_id: str, message_id: str) -> SentAnswer | None:
        raw = self.keeper.load_state(surface=SURFACE, thread=_key(conversation_id, message_id), user="")
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("item"), str):
            return None
        question_id = data.get("qid")
        return SentAnswer(data["item"], question_id if isinstance(question_id, str) else None)


def _key(conversation_id: str, message_id: str) -> str:
    return f"{base_conversation(conversation_id)}\n{message_id}"


def verdict(value: Any) -> Verdict | None:
    """The user's verdict from a ``message/submitAction`` invoke's value, or None if it is not feedback.

    ``feedback`` is documented as a JSON string (``{"feedbackText": "..."}``); an object, or plain text, is
    read too. The text is the client's: it is cleaned and capped here and redacted by the store.
    """
    if not isinstance(value, dict) or value.get("actionName") != "feedback":
        return None
    action = value.get("actionValue")
    if not isinstance(action, dict) or action.get("reaction") not in ("like", "dislike"):
        return None
    feedback = action.get("feedback")
    if isinstance(feedback, str):
        try:
            feedback = json.loads(feedback)  # the body is at most 256 KB (adapters.teams.http)
        except ValueError:
            feedback = {"feedbackText": feedback}
    text = feedback.get("feedbackText") if isinstance(feedback, dict) else None
    cleaned = clean_unicode(text[: MAX_TEXT * 2])[:MAX_TEXT].strip() if isinstance(text, str) else ""
    return Verdict(helpful=action["reaction"] == "like", text=cleaned)
