"""What the conversation needs from a store: a place to record questions, gaps, feedback and shares.

Kept as a small protocol so the conversation does not depend on SQL; ``bot.store.Store`` implements it.
Implementations redact before writing and never raise into the conversation (a failed write is logged).
"""

from __future__ import annotations

from typing import Protocol

from bot.answer import Answer


class Recorder(Protocol):
    def question(self, *, surface: str, user: str, answer: Answer, event_id: str | None = None) -> str | None:
        """Record an asked question and its outcome; return its id (for feedback), or None."""

    def none_of_these(self, *, question_id: str, surface: str, user: str) -> None:
        """Record that none of the suggestions fitted: the question is a gap."""
