"""How common a word is in everyday English, to tell everyday words from topic words.

The evidence base alone cannot say whether a word is ordinary: "call" or "time" may occur in one item
only, so by the base's own counts it looks as telling as "mockingbird". A general English frequency list
(``data/english_frequency.tsv``, derived from wordfreq; see its header for source and licence) supplies
what the base cannot. The engine uses it four ways:

- a real English word, however rare (``data/english_words.txt``: "remand", "niggle"), is a word, not a typo,
  so it is never "corrected" into the base's vocabulary;
- a mistyped everyday word ("wnats", "actaully") that is no typo of the base's own words is read as the
  common word one slip away (``respelt``), so it neither counts as a word the base has never seen nor reaches
  the sentence model as fragments;
- an everyday word the base has never seen ("morning", "upset") counts only a little against a question,
  while an uncommon unseen word ("theraplay") counts fully: it says the question is about something else; a
  place ("Conwy", "Hartlepool": ``places``) counts as little as an everyday word, and is never a typo;
- a confident answer needs the words it matched to carry enough information: one everyday word in common
  ("can you tell me who's calling me" against an item about calling a helpline) is not enough.

Frequencies are on the Zipf scale: log10 of uses per billion words (7.7 for "the", 5.5 for "call", 3.8
for "neglect"). Words not in the list (rarer than Zipf 3.0, or not English) count as 0: uncommon.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.datafile import pairs

FREQUENCY_FILE = Path(__file__).parent / "data" / "english_frequency.tsv"
WORDS_FILE = Path(__file__).parent / "data" / "english_words.txt"
CHAT_WORDS_FILE = Path(__file__).parent / "data" / "british_chat_words.txt"
PLACES_FILE = Path(__file__).parent / "data" / "place_names.txt"
PLACE_WORD_ZIPF = 4.0
"""A word of a place name at least this common ("north", "city", "reading", "forest") is read as ordinary English,
not as a place (``places``)."""
CHAT_WORD_ZIPF = 4.5
"""How everyday a word of British chat (``CHAT_WORDS_FILE``) counts at least: about as common as "mate" or
"loads" in the frequency list, which draws mostly on text from elsewhere."""

COMMON_WORD_ZIPF = 3.0
"""At or above this, a word is ordinary English and never treated as a typo."""
SPECIFIC_ZIPF = 3.5
"""At or below this, a word is uncommon enough to count in full against a question that the base lacks."""
EVERYDAY_ZIPF = 6.0
"""At or above this, a word counts only ``EVERYDAY_WEIGHT`` of an uncommon one."""
EVERYDAY_WEIGHT = 0.2
EVERYDAY_SPELLING_ZIPF = 5.0
"""A typo one slip from an evidence-base word and from an English word this common (about the 2,000 commonest
words: "issue", "wants", "where") is read as the English word when it is the commoner of the two."""
MAX_INFORMATION = 7.0
"""Information of a glossary concept or a word rarer than the list reaches (see ``information``)."""


@cache
def frequencies() -> dict[str, float]:
    """Word -> Zipf frequency, read once per process (about 28,000 words), with the words of British chat at
    ``CHAT_WORD_ZIPF`` at least."""
    table = {word: float(zipf) for word, zipf in pairs(FREQUENCY_FILE)}
    for word in _listed_words(CHAT_WORDS_FILE):
        table[word] = max(table.get(word, 0.0), CHAT_WORD_ZIPF)
    return table


def preload() -> None:
    """Read every list now (about 30 ms), so the first question a process answers does not pay for it."""
    frequencies()
    words()
    places()
    _by_length()


@cache
def words() -> frozenset[str]:
    """Real English words, rare ones included (``data/english_words.txt``, about 83,000; see its header),
    read once per process. Unlike the frequency list, it holds no common misspellings."""
    return frozenset(_listed_words(WORDS_FILE))


@cache
def place_name_words() -> frozenset[str]:
    """Every word of four or more letters in the place names (``PLACES_FILE``), lower case, common ones included
    ("yorkshire", "north", "tyneside"): a name made only of these is a place."""
    found: set[str] = set()
    for name in _listed_words(PLACES_FILE):
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        found.update(w for w in re.findall(r"[a-z]+", ascii_name) if len(w) >= 4)
    return frozenset(found)


@cache
def places() -> frozenset[str]:
    """The words of the place names practitioners give (``PLACES_FILE``: councils with children's services in
    England and Wales, and counties): "conwy", "wrexham", "hartlepool", "doncaster". Short words and ordinary English
    ones are left out. A place is never a typo, and says where the asker works, not what they ask about."""
    return frozenset(w for w in place_name_words() if zipf(w) < PLACE_WORD_ZIPF)


def _listed_words(path: Path) -> list[str]:
    """The words of a one-word-per-line list, its comment lines left out."""
    with path.open(encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip() and not line.startswith("#")]


_PREFIXES = (
    "anti",
    "co",
    "de",
    "ex",
    "inter",
    "mis",
    "multi",
    "non",
    "over",
    "post",
    "pre",
    "re",
    "sub",
    "un",
    "under",
)
_SUFFIXES = (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""), ("er", ""), ("er", "e"))


def is_word(word: str) -> bool:
    """True for a real English word, however rare ("remand", "niggle", "brolly"): never a typo. A real word
    with a common prefix or ending the list lacks counts too ("reoffending", "deregistering", "triaging")."""
    if _listed(word):
        return True
    stems = [word[: -len(end)] + add for end, add in _SUFFIXES if word.endswith(end) and len(word) - len(end) >= 4]
    if any(_listed(s) for s in stems):
        return True
    return any(word.startswith(p) and len(word) - len(p) >= 5 and is_word(word[len(p) :]) for p in _PREFIXES)


def _listed(word: str) -> bool:
    return word in frequencies() or word in words() or word in places()


@cache
def _by_length() -> dict[int, list[str]]:
    table: dict[int, list[str]] = {}
    for word in frequencies():
        if word.isalpha():
            table.setdefault(len(word), []).append(word)
    return table


def respelt(word: str) -> str | None:
    """The everyday English word a mistyped one was meant to be ("wnats" -> "wants", "thier" -> "their"), or
    None. Only one slip away (a letter added, dropped, changed, or two swapped), so an uncommon word that is
    merely like a common one ("theraplay", two from "therapy") is left as typed; the commonest candidate wins."""
    if len(word) < 5 or not word.isalpha() or is_word(word):
        return None
    table, best = _by_length(), None
    for length in (len(word) - 1, len(word), len(word) + 1):
        for choice, _, _ in process.extract(word, table.get(length, ()), scorer=OSA.distance, score_cutoff=1, limit=5):
            if best is None or zipf(choice) > zipf(best):
                best = choice
    return best


def everyday_spelling(everyday: str, base_word: str) -> bool:
    """Whether a mistyped word one slip from both should be read as the everyday word rather than the evidence
    base's: only when the everyday word is among the commonest (``EVERYDAY_SPELLING_ZIPF``) and commoner."""
    return zipf(everyday) >= EVERYDAY_SPELLING_ZIPF and zipf(everyday) > zipf(base_word)


def zipf(word: str) -> float:
    """Zipf frequency of a lower-case word; 0.0 when it is uncommon or unknown."""
    return frequencies().get(word, 0.0)


def is_common(word: str) -> bool:
    """True for a word ordinary enough that it is surely spelt as meant."""
    return zipf(word) >= COMMON_WORD_ZIPF


def specificity(zipf_value: float) -> float:
    """1.0 for an uncommon word, falling linearly to ``EVERYDAY_WEIGHT`` for the most everyday ones."""
    if zipf_value <= SPECIFIC_ZIPF:
        return 1.0
    if zipf_value >= EVERYDAY_ZIPF:
        return EVERYDAY_WEIGHT
    return max(EVERYDAY_WEIGHT, (EVERYDAY_ZIPF - zipf_value) / (EVERYDAY_ZIPF - SPECIFIC_ZIPF))


def information(zipf_value: float) -> float:
    """How surprising a word is in everyday text: -log10 of its share of words, capped.

    "call" (Zipf 5.5) carries 3.5, "neglect" (3.8) 5.2, an uncommon word or glossary concept 7.0."""
    if zipf_value <= 0.0:
        return MAX_INFORMATION
    return min(MAX_INFORMATION, 9.0 - zipf_value)
