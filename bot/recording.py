"""What the conversation needs from a store: a place to record questions, gaps, feedback and shares, and
one to keep each conversation's state between messages (``StateKeeper``).

Kept as a small protocol so the conversation does not depend on SQL; ``bot.store.Store`` implements it.
Implementations redact before writing and never raise into the conversation (a failed write is logged).
``event_id`` is the platform's id for the click or message (Slack ``action_ts``/``event_id``, Teams activity
id): a retried delivery with the same id is recorded once.
"""

from __future__ import annotations

from typing import Protocol

from bot.answer import Answer


class Recorder(Protocol):
    def question(self, *, surface: str, user: str, answer: Answer, event_id: str | None = None) -> str | None:
        """Record an asked question and its outcome; return its id (for feedback), or None."""

    def none_of_these(self, *, question_id: str, surface: str, user: str) -> bool:
        """Record that none of the suggestions fitted: the question is a gap. True if newly recorded."""

    def feedback(
        self,
        *,
        question_id: str | None,
        item_id: str,
        helpful: bool,
        surface: str,
        user: str,
        reason: str = "",
        event_id: str | None = None,
    ) -> bool:
        """Record a helpful / not helpful click (with an optional reason). True if newly recorded."""

    def share(self, *, item_id: str, surface: str, user: str, event_id: str | None = None) -> bool:
        """Record that an item was shared into a channel. True if newly recorded."""


STATE_HOURS = 24
"""A conversation's state (for "more", numbers, typed yes/no) is forgotten this long after its last message."""


class StateKeeper(Protocol):
    """Where the conversation keeps each thread's state between messages, so any instance can continue it.

    Keyed by surface, conversation or thread (``thread``: the platform's channel/thread or conversation id;
    empty for the console) and user; stored hashed. ``state`` is the conversation's own JSON text: item ids,
    scores, a question id and the redacted question, never raw text. Implementations forget a state
    ``STATE_HOURS`` after it was saved and never raise into the conversation.
    """

    def load_state(self, *, surface: str, thread: str, user: str) -> str | None:
        """The state last saved for this thread and user, or None (never saved, expired, or unreadable)."""

    def save_state(self, *, surface: str, thread: str, user: str, state: str) -> bool:
        """Replace the state for this thread and user. True if it was saved."""
