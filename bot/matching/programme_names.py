"""The names a question asks about ("is Caring Dads any good?", "how does the Child Practice Review process work?")
and whether an item mentions them.

A programme, review or model is often named with ordinary words written with capitals: "Caring Dads", "the
Freedom Programme", "Home-Start", "Mellow Babies". Its words are everyday ones the base knows, so neither signal
sees that the question is about one particular thing: an item about engaging fathers is close in meaning to
"is Caring Dads any good for abusive fathers?" and shares its words. The answer is only right if the item is
about Caring Dads, so ``Engine`` gives a confident answer only from an item that mentions every name the question
asks about; otherwise the item is offered as "did you mean".

What counts as a name is kept narrow, so that ordinary capitals do not cost a right answer (an exploratory round
of 562 messages written to break it found 36 such losses in the first version; each kind is now left out):
- two or more capitalised words together in the middle of a sentence ("Caring Dads", "Safe and Together"); a
  capital that starts a sentence says nothing, nor does one hyphenated word ("Self-Harming", "Step-Down");
- acronyms ("DfE", "IRO") are left to the glossary, and a name holding a glossary form ("Early Intervention
  Foundation Guidebook") is a term the base is read through;
- roles, places of work, meetings, plans and laws ("our Senior Practitioner", "Hillcrest Primary", "Care Plan",
  "the Schools Bill") are context (``CONTEXT_WORDS``), and so are places, dates, people's given names and words
  of asking or emphasis ("Any Research", "Actually Work");
- a word saying what kind of thing it is ("Programme", "Pilot", "Evaluation": ``GENERIC_WORDS``) is left off the
  end before the name is looked for ("the Lifelong Links Programme" is mentioned by the Lifelong Links item);
- nothing in a message written mostly in capitals ("Does Anyone Have Research On Neglect").
Only the sentences that ask count in a long message (``reading.asked``): "we use Signs of Safety" as context
does not ask the FGC item to mention it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from bot import english
from bot.knowledge import KnowledgeItem
from bot.matching.reading import asked
from bot.redact import person_names
from bot.text import STOP_WORDS, stem

_NAME_WORD = r"[A-Z][a-z]+(?:['’]s)?(?:-[A-Z]?[a-z]+)*"
_NAME = re.compile(rf"(?<=[a-z0-9,;)] )(?:{_NAME_WORD})(?:\s+(?:(?:of|for|and|&|the)\s+)?(?:{_NAME_WORD}))*")
"""A run of capitalised words in the middle of a sentence, joined by spaces or by "of", "for", "and", "the"
("Signs of Safety", "Family Drug and Alcohol Court")."""
_WORD = re.compile(r"[A-Za-z0-9]+")

CONTEXT_WORDS = frozenset(
    stem(w)
    for w in (
        "manager worker officer adviser practitioner educator director coordinator chair visitor nurse therapist "
        "psychologist head senior advanced principal assistant team service services school primary academy "
        "college university council court judge lead panel board partnership unit hub department government "
        "office trust authority agency police hospital ward centre house home group network system bot "
        "meeting plan conference week day session strategy policy procedure protocol act bill "
        "commissioner minister secretary inspector inspectorate ombudsman "
        # the same in Welsh, as Welsh councils write them ("Gweithiwr Cymdeithasol", "Cyngor Sir Ddinbych")
        "cyngor sir gweithiwr gweithwyr gwasanaethau gwasanaeth tîm tim ysgol llywodraeth comisiynydd"
    ).split()
)
"""A name holding one of these is a role, a place of work, a meeting, a plan or a law ("our Senior Practitioner",
"Hillcrest Primary", "the Home Office", "Care Plan", "Pre-Proceedings Meeting", "the Schools Bill", "Evidence Bot"
itself): it says who, where or when, not which programme the question asks about. The law and the local plan
are the glossary's and the words' business."""
GENERIC_WORDS = frozenset(
    stem(w)
    for w in (
        "programme programmes program pilot evaluation evaluations training model approach project scheme toolkit "
        "app course mapping series guidance framework findings report study trial review reviews analysis one two"
    ).split()
)
"""Words that say what kind of thing a name is, not which ("the Lifelong Links Programme", "the Staying Close
Pilot", "Graded Care Profile Two"): left off the end of a name before it is looked for in an item."""
CALENDAR_WORDS = frozenset(
    (
        "january february march april may june july august september october november december "
        "monday tuesday wednesday thursday friday saturday sunday christmas easter"
    ).split()
)
COMPASS_WORDS = frozenset("north south east west northern southern eastern western greater central".split())
MOSTLY_CAPITALS = 0.5
"""A message with at least this share of its everyday words (``STOP_WORDS``, two or more, the first word aside)
capitalised is written in title case, so its capitals name nothing; a programme's name alone does not make it so
("does the Bright Horizons Dads Programme work?")."""


def words(text: str, respelt: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Lower-case stems of the words of ``text``, possessives dropped: how names and item texts are compared.
    ``respelt`` maps mistyped words to the words meant ("togehter" -> "together")."""
    found = (w.lower() for w in _WORD.findall(re.sub(r"['’]s\b", " ", text)))
    return tuple(stem(respelt.get(w, w) if respelt else w) for w in found)


class Name(NamedTuple):
    """A name a question asks about, as typed (for the reply) and as stems (to find it in an item)."""

    text: str
    stems: tuple[str, ...]


def asked_names(
    text: str,
    known_terms: Iterable[tuple[str, ...]] = (),
    respelt: Mapping[str, str] | None = None,
    known_runs: frozenset[tuple[str, ...]] | None = None,
) -> tuple[Name, ...]:
    """The names ``text`` asks about; ``known_terms`` are the glossary's forms (as stems), which are never names
    here; ``respelt``: the reading's spelling corrections ("Safe and Togehter")."""
    asking = [w for w in _WORD.findall(text)[1:] if w.lower() in STOP_WORDS]
    if len(asking) >= 2 and sum(w[0].isupper() for w in asking) >= MOSTLY_CAPITALS * len(asking):
        return ()  # title case: "Does Anyone Have Research On Neglect"
    known = frozenset(known_terms)
    inside = known_runs if known_runs is not None else frozenset(run for form in known for run in _runs(form))
    out: dict[tuple[str, ...], Name] = {}
    for match in _NAME.finditer(text):
        name = match.group()
        capitalised = [w for w in name.split() if w[0].isupper()]
        if len(capitalised) < 2:
            continue
        plain = [w.lower().removesuffix("'s").removesuffix("’s") for w in capitalised]
        if any(_ordinary(w) for w in plain if stem(w) not in GENERIC_WORDS):
            continue
        written = words(name, respelt)
        stems = written
        while len(stems) > 1 and stems[-1] in GENERIC_WORDS:
            stems = stems[:-1]
        if not stems or any(w in CONTEXT_WORDS for w in written) or _holds_known(written, known, inside):
            continue
        out.setdefault(stems, Name(name.removesuffix("'s").removesuffix("’s"), stems))
    return tuple(out.values())


def _ordinary(word: str) -> bool:
    """A capitalised word that cannot be part of a programme's name here: a word of asking or emphasis ("Any
    Research", "Actually Work"), a date, a place, or a person's given name ("Social Worker Tom")."""
    if word in STOP_WORDS or word in CALENDAR_WORDS or word in COMPASS_WORDS or word in english.place_name_words():
        return True
    flags = person_names().get(word, "")
    return "g" in flags and "w" not in flags


def _runs(words: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every run of two or more consecutive words."""
    return (words[a:b] for a in range(len(words)) for b in range(a + 2, len(words) + 1))


def _holds_known(stems: tuple[str, ...], known: frozenset[tuple[str, ...]], inside: frozenset[tuple[str, ...]]) -> bool:
    """Whether a glossary form of two or more words lies within the name, or the name within one (``inside``: every
    run of two or more words of a form): "Early Intervention Foundation Guidebook" holds the form of EIF, which the
    glossary already reads."""
    return stems in known or stems in inside or any(run in known for run in _runs(stems))


def mentions(item_words: Sequence[str], name: tuple[str, ...]) -> bool:
    """Whether an item's words hold ``name``: as written, as one word ("Corona Virus": "coronavirus"), or each of
    its parts joined by "and" ("Step Up and Frontline" is mentioned by an item naming both programmes)."""
    if _holds(item_words, name) or (len(name) > 1 and stem("".join(name)) in item_words):
        return True
    parts = _parts(name)
    return len(parts) > 1 and all(_holds(item_words, part) for part in parts)


def _parts(name: tuple[str, ...]) -> list[tuple[str, ...]]:
    parts: list[tuple[str, ...]] = [()]
    for word in name:
        if word == "and":
            parts.append(())
        else:
            parts[-1] += (word,)
    return [p for p in parts if p]


def _holds(haystack: Sequence[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    first = needle[0]
    return any(haystack[i] == first and tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


@lru_cache(maxsize=1024)
def _item_words_cached(item: KnowledgeItem) -> tuple[str, ...]:
    links = (link.title for link in item.links)
    texts = (item.title, item.summary, *item.findings, *item.tags, *item.questions, *links)
    return tuple(w for text in texts for w in (*words(text), "|"))


def item_words(item: KnowledgeItem) -> tuple[str, ...]:
    """An item's words as stems (title, summary, findings, tags, example questions, link titles), texts kept
    apart so no name is found across two of them."""
    return _item_words_cached(item)


class ProgrammeNames:
    """The name check for one glossary: which names a question asks about, and whether an item mentions them."""

    def __init__(self, glossary_forms: Iterable[str]) -> None:
        self._known = frozenset(words(form) for form in glossary_forms)
        self._known_runs = frozenset(run for form in self._known for run in _runs(form))

    def asked(self, text: str, respelt: Mapping[str, str] | None = None) -> tuple[Name, ...]:
        """The names the asking sentences of ``text`` (personal details already removed) ask about, read with
        the reading's spelling corrections (``respelt``)."""
        return asked_names(asked(text) or text, self._known, respelt, self._known_runs)

    @staticmethod
    def missing(item: KnowledgeItem, wanted: Sequence[Name]) -> tuple[str, ...]:
        """The names in ``wanted`` that ``item`` does not mention, as typed."""
        if not wanted:
            return ()
        found = item_words(item)
        return tuple(name.text for name in wanted if not mentions(found, name.stems))

    def mentioned(self, item: KnowledgeItem, wanted: Sequence[Name]) -> bool:
        """Whether ``item`` mentions every name in ``wanted`` (always, when there are none)."""
        return not self.missing(item, wanted)
