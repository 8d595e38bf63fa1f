"""Long, chatty messages: find the question among the greetings, context and case details around it.

"Morning all! Bit of a weird one. I've got a 14 year old who keeps going missing from placement and
coming back in a state. Do return home interviews actually make any difference? Thanks in advance"

Read as one text, the context ("morning", "placement", "14 year old", "state") pulls the meaning towards
whatever it resembles. Read sentence by sentence, one sentence carries the question. So the semantic signal
reads the whole message *and* each sentence that says something, and keeps, for each item, the best match:
a sentence that asks (ends with "?" or opens like a question) counts in full, a sentence that only gives
context counts ``CONTEXT_WEIGHT`` of it, so context can still find an item when nothing else does, but
rarely outranks the question itself. Greetings and sign-offs are dropped.

Whether a sentence asks is judged on the whole sentence: a dash often joins a question to what it is about
("carer had an allegation, now she wants to stop fostering - is that common?"), so the sentence is read
whole and clause by clause, all at full weight. A long message typed without sentence punctuation (common in
chat) is read in overlapping runs of words instead (``WINDOW``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCES = 6
"""Parts read separately (the longest message then costs 7 model readings, batched by length, a few ms)."""
CONTEXT_WEIGHT = 0.92
MIN_WORDS = 3
"""A sentence needs at least this many words to be read on its own ("Thanks!" is not)."""
WINDOW = 16
"""A long message typed without sentence punctuation is read in overlapping runs of this many words..."""
WINDOW_MIN = 30
"""...when it has at least this many words (below it, the whole message is close enough to its question)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*[\n\r]+\s*")
_CLAUSE_BREAK = re.compile(r"\s+[-–—]\s+")
_ASKING = re.compile(
    r"^(?:\W*)(?:what|whats|what's|how|why|when|where|which|who|is|are|does|do|did|can|could|should|would|"
    r"will|has|have|any|anything|anyone|is there|are there|evidence|research|thoughts)\b",
    re.IGNORECASE,
)
_VERB_FIRST = re.compile(r"^\W*(?:is|are|does|do|did|can|could|should|would|will|has|have)\b", re.IGNORECASE)
_GREETING = re.compile(
    r"^\W*(?:hi|hiya|iya|hello|hey|morning|afternoon|evening|good (?:morning|afternoon|evening)|thanks|thank you|"
    r"cheers|ta|many thanks|thanks in advance|tia|all|team|folks|everyone|"
    r"bore da|prynhawn da|noswaith dda|shwmae|helo|diolch|hwyl)\b[\s\w!,.']{0,20}$",  # and in Welsh
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One way of reading a message, with the weight its matches carry."""

    text: str
    weight: float


def _clauses_by_sentence(text: str) -> list[list[str]]:
    """Each sentence (split on end punctuation and line breaks) as its clauses (split on dashes)."""
    return [
        [c.strip() for c in _CLAUSE_BREAK.split(sentence or "") if c and c.strip()]
        for sentence in _SENTENCE_END.split(text)
    ]


@dataclass(frozen=True, slots=True)
class _Sentence:
    """One sentence of a message, greetings left out."""

    clauses: list[str]
    """Its clauses (split at dashes), short ones too: "YLYC results - how do CLA feel things are going?" is
    about Your Life, Your Care, though "YLYC results" is too short to read alone."""
    readable: list[str]
    """The clauses long enough to read alone (``MIN_WORDS``)."""

    @property
    def text(self) -> str:
        return " - ".join(self.clauses)


def _sentences(text: str) -> list[_Sentence]:
    """Each sentence (``_clauses_by_sentence``) without its greetings; sentences with no clause long enough to
    read alone are dropped."""
    out = []
    for clauses in _clauses_by_sentence(text):
        spoken = [c for c in clauses if not _GREETING.match(c)]
        readable = [c for c in spoken if len(c.split()) >= MIN_WORDS]
        if readable:
            out.append(_Sentence(spoken, readable))
    return out


def sentences(text: str) -> list[str]:
    """The parts of a message read on their own: its sentences, split again at dashes, greetings dropped."""
    return [clause for sentence in _sentences(text) for clause in sentence.readable]


def is_asking(sentence: str) -> bool:
    """Ends with "?", or opens like a question. A statement that opens with a verb and ends with a full stop
    does not ask: "has a new placement in Carlisle." is "Lacey has ..." with the name removed."""
    text = sentence.rstrip()
    if text.endswith("?"):
        return True
    return bool(_ASKING.match(text)) and not (text.endswith(".") and _VERB_FIRST.match(text))


def _asks(sentence: _Sentence) -> bool:
    """Whether a sentence asks: as a whole, or in one of its clauses. A dash joins a question to what it is
    about ("carer had an allegation, now they want to stop fostering - is that common?"): the whole sentence
    is the question, not its last clause alone."""
    return is_asking(sentence.text) or any(is_asking(c) for c in sentence.clauses)


def asked(text: str) -> str | None:
    """The sentences of a long message that ask, without its context ("Lacey has gone missing six times ...
    Do return home interviews help?" -> the last sentence); None when the message is one sentence or none of
    its sentences asks. What the question names is then judged on these alone (``Engine``'s word features),
    so words of the context an item lacks do not count against it."""
    found = _sentences(text)
    asking = [sentence.text for sentence in found if _asks(sentence)]
    return " ".join(asking) if len(found) >= 2 and asking else None


_LIST_MARK = re.compile(r"(?:^|\s)(?:\(?\d{1,2}[.)]|[•*▪◦])\s+")
"""A numbered or bulleted list typed in one message ("1) what works for CCE 2) NRM pilot", "• FGC • MST")."""
_ALSO = re.compile(
    r"(?:[,;:]|\?)\s*(?:and\s+|or\s+)?(?:separately|also|secondly|second|thirdly|third|plus|what about)\b",
    re.IGNORECASE,
)
"""Where a second question starts inside a sentence: "what's the research on staying put, and separately is
there anything on staying close?"."""
_JOINED_ON = re.compile(
    r"^(?:(?:and|or|but|also|plus|then|separately|secondly|second|thirdly|third|what about)\b[\s,]*)+", re.IGNORECASE
)
"""The words that join a second question to the first, which say nothing once it is read alone."""
MAX_QUESTIONS = 4


def _is_list(text: str) -> bool:
    """Two or more list marks, a numbered list starting at 1 ("two kids under 10. Manager wants ..." is no list)."""
    marks = [m.group().strip(" (") for m in _LIST_MARK.finditer(text)]
    return len(marks) >= 2 and (marks[0][0] in "•*▪◦" or marks[0][0] == "1")


def questions(text: str, *, marked_only: bool = False) -> list[str]:
    """The separate questions of a message that asks several things ("is Signs of Safety evidence based? Or
    should we be looking at Family Safeguarding instead?", "1) what works for CCE 2) NRM pilot"), at most
    ``MAX_QUESTIONS``; an empty list when it asks one thing. Context sentences are left out. ``marked_only``:
    only a message that marks its questions (a list, "also", "separately") is split."""
    marked = _is_list(text) or _ALSO.search(text) is not None
    if not marked and (marked_only or text.count("?") < 2):
        return []  # one question mark, no list and no "also": one question, however many sentences around it
    listed = [part.strip() for part in _LIST_MARK.split(text) if part and part.strip()]
    if len(listed) >= 2 and _is_list(text):
        parts = listed[1:] if not _LIST_MARK.match(text) and not is_asking(listed[0]) else listed
    else:
        parts = [sentence.text for sentence in _sentences(text) if _asks(sentence)]
    pieces: list[str] = []
    for part in parts:
        starts = [0] + [m.start() + (1 if part[m.start()] in ",;:?" else 0) for m in _ALSO.finditer(part)]
        pieces += [part[a:b].strip(" ,;:") for a, b in zip(starts, [*starts[1:], len(part)], strict=True)]
    pieces = [_JOINED_ON.sub("", piece) for piece in pieces]
    found = [piece for piece in pieces if len(piece.split()) >= 2]
    return found[:MAX_QUESTIONS] if len(found) >= 2 else []


_LEFT_OUT = re.compile(
    r"\s*[,(–-]?\s*\b(?:other than|apart from|aside from|except(?: for)?|excluding|not including|but not|"
    # "CCE stuff that isn't county lines", "... that isn't about MASH"; not "messages that are not labelled"
    r"(?:(?<=stuff )|(?<=evidence )|(?<=research )|(?<=studies )|(?<=items )|(?<=ones )|(?<=things )|"
    r"(?<=anything )|(?<=something )|(?<=programmes )|(?<=models )|(?<=approaches )|(?<=options ))"
    r"(?:that|which|thats|that's) (?:isn'?t|is not|aren'?t|are not)(?: about| on)?|"
    r"(?:that|which|thats|that's) (?:isn'?t|is not|aren'?t|are not) (?:about|on))\s+"
    r"(?P<x>[^,.;?!\n()]+?)\s*(?=$|[,.;?!\n()]|\s[-–]\s|\s(?:what|which|that|for|any|is|are|do|does|please|pls)\b)"
    r"|^\s*not\s+(?P<first>[^,.;?!\n–-]{2,60}?)\s*(?:[-–,:;]|\s-\s)",
    re.IGNORECASE,
)
"""What a message leaves out: "edge of care options other than MST", "adoption stuff but NOT disruption", "CCE
stuff that isn't county lines", "not signs of safety - other strengths-based models?"."""


_LEAVING_CUES = ("other than", "apart from", "aside from", "except", "excluding", "not ", "n't")
"""Words one of which every form of ``_LEFT_OUT`` holds: a message with none is not looked at further."""


def left_out(text: str) -> tuple[str, tuple[str, ...]]:
    """The message without what it leaves out, and what it leaves out ("other than MST": "MST")."""
    lowered = text.lower()
    if not any(cue in lowered for cue in _LEAVING_CUES):
        return text, ()  # most messages: nothing to look for
    found = [m for m in _LEFT_OUT.finditer(text) if (m.group("x") or m.group("first") or "").strip()]
    if not found:
        return text, ()
    kept = _LEFT_OUT.sub(" ", text)
    return " ".join(kept.split()), tuple((m.group("x") or m.group("first")).strip() for m in found)


_COMPARED = re.compile(r"\s+(?:vs\.?|versus|v\.?|compared (?:to|with)|against)\s+|\s+or\s+", re.IGNORECASE)
_CHOOSING = re.compile(
    r"\b(?:which|better|best|more effective|stronger|difference|differences|compare|comparison|vs|versus)\b",
    re.IGNORECASE,
)
"""A message that chooses between two things ("is MST or FFT better for teens?")."""


MAX_COMPARED_WORDS = 20
"""A comparison is asked in a few words; in a longer message "or" mostly joins the story's alternatives, and
reading both halves again would double the time of the messages that take longest."""


def compared(text: str) -> list[str]:
    """The two sides of a comparison ("FGC vs family safeguarding - which has better evidence?": "FGC", "family
    safeguarding - which has better evidence?"), or an empty list. "or" compares only in a message that chooses
    ("which", "better", "difference"); "vs", "versus", "compared with" always do. Each side is asked on its own."""
    if len(text.split()) > MAX_COMPARED_WORDS:
        return []
    found = [m for m in _COMPARED.finditer(text) if m.group().strip().lower() != "or" or _CHOOSING.search(text)]
    if len(found) != 1:
        return []
    split = found[0]
    sides = [text[: split.start()].strip(" ,;:-"), text[split.end() :].strip(" ,;:-")]
    return sides if all(any(len(w) >= 2 for w in side.split()) for side in sides) else []


def without_greetings(text: str) -> str:
    """The message without its greetings and sign-offs ("Hi all, quick one - ...", "Thanks in advance!"), so the
    sentence model reads the whole message as what it says; the message itself when it has none, or nothing
    else."""
    kept: list[str] = []
    dropped = False
    for clauses in _clauses_by_sentence(text):
        spoken = [c for c in clauses if not _GREETING.match(c)]
        dropped = dropped or len(spoken) < len(clauses)
        if spoken:
            kept.append(" - ".join(spoken))
    return " ".join(kept) if dropped and kept else text


def readings(text: str) -> list[Reading]:
    """The whole message (its greetings and sign-offs left out), then (when it has two or more parts) each part
    worth reading alone: the clauses of sentences that ask first, at full weight, then those of sentences that
    give context; a sentence that asks in several clauses is also read whole."""
    whole = [Reading(without_greetings(text), 1.0)]
    found = _sentences(text)
    if sum(len(sentence.readable) for sentence in found) < 2:
        return whole + _windows(text)
    asking: list[str] = []
    context: list[str] = []
    for sentence in found:
        if _asks(sentence):
            whole_sentence = [sentence.text] if len(sentence.clauses) > 1 and len(found) > 1 else []
            asking += whole_sentence + sentence.readable  # (a message of one sentence: the whole message)
        else:
            context += sentence.readable
    chosen = [Reading(p, 1.0) for p in asking] + [Reading(p, CONTEXT_WEIGHT) for p in context]
    return whole + chosen[:MAX_SENTENCES]


def _windows(text: str) -> list[Reading]:
    """Overlapping runs of ``WINDOW`` words (half a run apart, or spread over a longer message) of a long
    message with no sentence punctuation ("hi all quick one ive got a 15yo in resi ... any evidence lifelong
    links works"), read as context: which run holds the question is unknown, but one of them holds it
    without the rest of the message around it."""
    words = text.split()
    if len(words) < WINDOW_MIN:
        return []
    last = len(words) - WINDOW
    count = min(MAX_SENTENCES, -(-last // (WINDOW // 2)) + 1)  # half a run apart, or spread to the end
    starts = sorted({round(n * last / (count - 1)) for n in range(count)})
    return [Reading(" ".join(words[at : at + WINDOW]), CONTEXT_WEIGHT) for at in starts]
