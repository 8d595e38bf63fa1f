"""Long, chatty messages: find the question among the greetings, context and case details around it.

"Morning all! Bit of a weird one. I've got a 14 year old who keeps going missing from placement and
coming back in a state. Do return home interviews actually make any difference? Thanks in advance"

Read as one text, the context ("morning", "placement", "14 year old", "state") pulls the meaning towards
whatever it resembles. Read sentence by sentence, one sentence carries the question. So the semantic signal
reads the whole message *and* each sentence that says something, and keeps, for each item, the best match:
a sentence that asks (ends with "?" or opens like a question) counts in full, a sentence that only gives
context counts ``CONTEXT_WEIGHT`` of it, so context can still find an item when nothing else does, but
rarely outranks the question itself. Greetings and sign-offs are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCES = 6
"""Sentences read separately (the longest message then costs 7 model calls in one batch, a few ms)."""
CONTEXT_WEIGHT = 0.92
MIN_WORDS = 3
"""A sentence needs at least this many words to be read on its own ("Thanks!" is not)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*[\n\r]+\s*|\s+[-–—]\s+")
_ASKING = re.compile(
    r"^(?:\W*)(?:what|whats|what's|how|why|when|where|which|who|is|are|does|do|did|can|could|should|would|"
    r"will|has|have|any|anything|anyone|is there|are there|evidence|research|thoughts)\b",
    re.IGNORECASE,
)
_VERB_FIRST = re.compile(r"^\W*(?:is|are|does|do|did|can|could|should|would|will|has|have)\b", re.IGNORECASE)
_GREETING = re.compile(
    r"^\W*(?:hi|hiya|hello|hey|morning|afternoon|evening|good (?:morning|afternoon|evening)|thanks|thank you|"
    r"cheers|ta|many thanks|thanks in advance|tia|all|team|folks|everyone)\b[\s\w!,.']{0,20}$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One way of reading a message, with the weight its matches carry."""

    text: str
    weight: float


def sentences(text: str) -> list[str]:
    """The message's sentences (split on end punctuation, line breaks and dashes), greetings dropped."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    return [p for p in parts if not _GREETING.match(p) and len(p.split()) >= MIN_WORDS]


def is_asking(sentence: str) -> bool:
    """Ends with "?", or opens like a question. A statement that opens with a verb and ends with a full stop
    does not ask: "has a new placement in Carlisle." is "Lacey has ..." with the name removed."""
    text = sentence.rstrip()
    if text.endswith("?"):
        return True
    return bool(_ASKING.match(text)) and not (text.endswith(".") and _VERB_FIRST.match(text))


def asked(text: str) -> str | None:
    """The sentences of a long message that ask, without its context ("Lacey has gone missing six times ...
    Do return home interviews help?" -> the last sentence); None when the message is one sentence or none of
    its sentences asks. What the question names is then judged on these alone (``Engine``'s word features),
    so words of the context an item lacks do not count against it."""
    parts = sentences(text)
    asking = [p for p in parts if is_asking(p)]
    return " ".join(asking) if len(parts) >= 2 and asking else None


def readings(text: str) -> list[Reading]:
    """The whole message, then (when it has two or more sentences) each sentence worth reading alone."""
    whole = [Reading(text, 1.0)]
    parts = sentences(text)
    if len(parts) < 2:
        return whole
    asking = [p for p in parts if is_asking(p)]
    context = [p for p in parts if not is_asking(p)]
    chosen = (asking + context)[:MAX_SENTENCES]
    return whole + [Reading(p, 1.0 if p in asking else CONTEXT_WEIGHT) for p in chosen]
