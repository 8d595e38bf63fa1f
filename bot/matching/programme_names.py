"""The names a question asks about ("is Caring Dads any good?", "how does the Child Practice Review process work?")
and whether an item mentions them.

A programme, review or model is often named with ordinary words written with capitals: "Caring Dads", "the
Freedom Programme", "Home-Start", "Mellow Babies". Its words are everyday ones the base knows, so neither signal
sees that the question is about one particular thing: an item about engaging fathers is close in meaning to
"is Caring Dads any good for abusive fathers?" and shares its words. The answer is only right if the item is
about Caring Dads, so ``Engine`` gives a confident answer only from an item that mentions every name the question
asks about; otherwise the item is offered as "did you mean".

What counts as a name is kept narrow, so that ordinary capitals do not cost a right answer:
- two or more capitalised words together in the middle of a sentence ("Caring Dads", "Safe and Together"), or one
  written with a hyphen ("Home-Start"); a capital that starts a sentence says nothing;
- acronyms ("DfE", "IRO") are left to the glossary, and a glossary form is a term the base is read through;
- roles and organisations ("Team Manager", "Hillcrest Primary", "Youth Justice Service") are context, not what
  is asked about, and so are places and what is named after one ("North Yorkshire", "the Royal Oldham"), months
  and days;
- nothing in a message written mostly in capitals ("Does Anyone Have Research On Neglect").
Only the sentences that ask count in a long message (``reading.asked``): "we use Signs of Safety" as context
does not ask the FGC item to mention it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from bot import english
from bot.knowledge import KnowledgeItem
from bot.matching.reading import asked
from bot.text import stem

_NAME_WORD = r"[A-Z][a-z]+(?:['’]s)?(?:-[A-Z]?[a-z]+)*"
_NAME = re.compile(rf"(?<=[a-z0-9,;)] )(?:{_NAME_WORD})(?:\s+(?:(?:of|for|and|&|the)\s+)?(?:{_NAME_WORD}))*")
"""A run of capitalised words in the middle of a sentence, joined by spaces or by "of", "for", "and", "the"
("Signs of Safety", "Family Drug and Alcohol Court")."""
_WORD = re.compile(r"[A-Za-z0-9]+")

CONTEXT_WORDS = frozenset(
    stem(w)
    for w in (
        "manager worker officer adviser team service services school primary academy college university council "
        "court judge lead panel board partnership unit hub department government office trust authority agency "
        "police hospital ward centre home group network bot"
    ).split()
)
"""A name ending in one of these is a role or an organisation ("Team Manager", "Hillcrest Primary", "the Home
Office", "Evidence Bot" itself): it says who or where, not what the question asks about."""
CALENDAR_WORDS = frozenset(
    (
        "january february march april may june july august september october november december "
        "monday tuesday wednesday thursday friday saturday sunday christmas easter"
    ).split()
)
COMPASS_WORDS = frozenset("north south east west northern southern eastern western greater central".split())
MOSTLY_CAPITALS = 0.5
"""A message with at least this share of its words capitalised (and four or more words) is written in title case,
so its capitals name nothing."""


def words(text: str, respelt: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Lower-case stems of the words of ``text``, possessives dropped: how names and item texts are compared.
    ``respelt`` maps mistyped words to the words meant ("togehter" -> "together")."""
    found = (w.lower() for w in _WORD.findall(re.sub(r"['’]s\b", " ", text)))
    return tuple(stem(respelt.get(w, w) if respelt else w) for w in found)


def asked_names(
    text: str, known_terms: Iterable[tuple[str, ...]] = (), respelt: Mapping[str, str] | None = None
) -> tuple[tuple[str, ...], ...]:
    """The names ``text`` asks about, each as its stems; ``known_terms`` are the glossary's forms (as stems),
    which are never names here; ``respelt``: the reading's spelling corrections ("Safe and Togehter")."""
    found = _WORD.findall(text)
    if len(found) >= 4 and sum(w[0].isupper() for w in found) >= MOSTLY_CAPITALS * len(found):
        return ()
    known = set(known_terms)
    out: list[tuple[str, ...]] = []
    for match in _NAME.finditer(text):
        name = match.group()
        capitalised = [w for w in name.split() if w[0].isupper()]
        if len(capitalised) < 2 and "-" not in name:
            continue
        stems = words(name, respelt)
        plain = [w.lower().removesuffix("'s").removesuffix("’s") for w in capitalised]
        if not stems or stems[-1] in CONTEXT_WORDS or any(w in CALENDAR_WORDS for w in plain):
            continue
        if any(w in english.place_name_words() for w in plain) or all(w in COMPASS_WORDS for w in plain):
            continue
        if stems in known:
            continue
        out.append(stems)
    return tuple(dict.fromkeys(out))


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

    def asked(self, text: str, respelt: Mapping[str, str] | None = None) -> tuple[tuple[str, ...], ...]:
        """The names the asking sentences of ``text`` (personal details already removed) ask about, read with
        the reading's spelling corrections (``respelt``)."""
        return asked_names(asked(text) or text, self._known, respelt)

    @staticmethod
    def mentioned(item: KnowledgeItem, wanted: Sequence[tuple[str, ...]]) -> bool:
        """Whether ``item`` mentions every name in ``wanted`` (always, when there are none)."""
        return not wanted or all(mentions(item_words(item), name) for name in wanted)
