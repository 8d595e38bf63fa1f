"""Welsh questions read in English: the terms of children's social care replaced by their English meaning.

Councils in Wales work in Welsh as well as English, and a practitioner may ask "beth yw'r dystiolaeth am
esgeulustod?" (what is the evidence on neglect?). Neither the evidence base nor the sentence model reads Welsh, so
before a question is read its Welsh terms (``data/welsh_terms.tsv``, with their mutated forms) become the English
they mean, and the reply's "I read this as" line says so ("esgeulustod → neglect").

No form in the table is an English word, so a term is read wherever it appears, even in an English sentence. Words
that are Welsh and English alike ("plant" is children in Welsh; "am", "pa", "hi") are read as Welsh only in a
message that is Welsh: one with at least ``WELSH_WORDS`` words that only Welsh has (``_WELSH_ONLY``: "yw", "oes",
"unrhyw", a term of the table). There the words that frame a question ("beth", "yw", "oes", "am") are dropped, as
English stop words are, and the endings "'r", "'n" are split off ("yw'r" -> "yw").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from bot.datafile import pairs

TERMS_FILE = Path(__file__).parent / "data" / "welsh_terms.tsv"

WELSH_WORDS = 2
"""Words only Welsh has that make a message Welsh."""

_WELSH_ONLY = frozenset(
    """
    yw ydy ydi ydyn ydych ydw oes sut pryd ble lle unrhyw gyda efo mewn yng ym sydd sy'n ynghylch ynglŷn ynglyn
    ymhlith rhwng drwy trwy tuag gyfer mwyn llawer iawn neu ond nid ddim hynny hwn cael wedi fod oedd roedd bydd
    nhw hyn nac eich pob holl rhai mwy dros maen
    """.split()
)
"""Framing words no English speaker types."""
FRAMING = frozenset(
    """
    beth pa pwy sut pam pryd ble lle faint ai a ac â ag oes yw ydy ydi ydyn ydych ydw mae maen oedd roedd bydd bod
    fod sy sydd y yr i o am ar at gan gyda efo mewn yn yng ym dros heb rhwng drwy trwy tuag gyfer er mwyn ynghylch
    ynglŷn ynglyn ymhlith unrhyw pob holl rhai mwy llawer iawn ei eu ein eich hyn hynny hwn hon neu ond nid ddim dim
    na nac os fel wedi cael gael ni chi nhw fi hi fe e n r w gweithio weithio helo shwmae
    """.split()
)
"""Welsh words that frame a question rather than name its topic, dropped from a Welsh message."""
_ENDING = re.compile(r"(?<=[^\W\d_])['’](?=(?:r|n|i|w)\b)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_PLAIN_WORD = re.compile(r"[^\W\d_]+")


_IN_WELSH_ONLY = {"plant": "children"}
"""Terms that are English words too, read as Welsh only in a Welsh message."""


@cache
def _first_words() -> frozenset[str]:
    """The first word of every form, and the words only Welsh has: a message with none of them is not read at all."""
    table, _, _ = _terms()
    return frozenset(re.split(r"[\s'-]", form)[0] for form in (*table, *_WELSH_ONLY))


def _may_be_welsh(text: str) -> bool:
    """Whether ``text`` holds a word that starts a Welsh term or that only Welsh has (most messages do not)."""
    first = _first_words()
    return any(word in first for word in _PLAIN_WORD.findall(text.lower()))


@cache
def _terms() -> tuple[dict[str, str], re.Pattern[str], re.Pattern[str]]:
    """Welsh form (lower case) -> English, one pattern for every form of the table and one that also has the
    forms of ``_IN_WELSH_ONLY`` (longest first, so "plant sy'n derbyn gofal" is read before "plant")."""
    table = {welsh.lower(): english for welsh, english in pairs(TERMS_FILE)}
    anywhere = _pattern(table)
    table.update(_IN_WELSH_ONLY)
    return table, anywhere, _pattern(table)


def _pattern(forms: dict[str, str]) -> re.Pattern[str]:
    ordered = sorted(forms, key=len, reverse=True)
    return re.compile(r"(?<![\w'-])(?:" + "|".join(re.escape(f) for f in ordered) + r")(?![\w-])", re.IGNORECASE)


def is_welsh(text: str) -> bool:
    """Whether ``text`` reads as Welsh: ``WELSH_WORDS`` words that only Welsh has, or terms of the table."""
    if not _may_be_welsh(text):
        return False
    _, anywhere, _ = _terms()
    lowered = text.lower().replace("’", "'")
    found = len(anywhere.findall(lowered))
    for word in _WORD.findall(lowered):
        found += word in _WELSH_ONLY or word.split("'")[0] in _WELSH_ONLY
        if found >= WELSH_WORDS:
            return True
    return found >= WELSH_WORDS


def in_english(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with its Welsh terms in English (and, in a Welsh message, the framing words dropped), and the
    (Welsh, English) pairs read, each once."""
    if not _may_be_welsh(text):
        return text, ()  # most messages: nothing Welsh in them
    table, anywhere, in_welsh = _terms()
    normalised = text.replace("’", "'")
    welsh = is_welsh(normalised)
    pattern = in_welsh if welsh else anywhere
    read: dict[str, str] = {}

    def english(match: re.Match[str]) -> str:
        form = match.group()
        meaning = table[form.lower().replace("’", "'")]
        read.setdefault(form, meaning)
        return meaning

    out = pattern.sub(english, normalised)
    if not read and not welsh:
        return text, ()
    if welsh:
        out = _ENDING.sub(" ", out)
        out = " ".join(w for w in out.split(" ") if w.lower().strip(",.?!:;") not in FRAMING)
    return out, tuple(read.items())
