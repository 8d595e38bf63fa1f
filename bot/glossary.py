"""The domain glossary: UK children's social care shorthand and synonyms, applied to questions and items.

Each entry is one concept with several written forms (``FGC``, ``family group conference``, ``family group
conferencing``). The engine replaces any form found in a question by the entry's *concept term* and adds
that term to every item that mentions any form, so "fgc evidence?" meets an item titled "Family group
conferences". Forms are compared word by word after stemming, so plurals need not be listed. Forms are
matched before stop words are dropped, so short acronyms (CP, EH, DA) are never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import english
from bot.errors import GlossaryError, Problem, display_path
from bot.knowledge import did_you_mean
from bot.text import clean_unicode, stem, words_of
from bot.yamlfile import read_yaml

MAX_GLOSSARY_BYTES = 1024 * 1024
ENTRY_FIELDS = ("term", "means", "also", "match_case")
CONCEPT_PREFIX = "~"
"""Concept terms start with a character no word can contain, so they never collide with ordinary words."""


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    means: str
    also: tuple[str, ...] = ()
    match_case: bool = False

    @property
    def concept(self) -> str:
        return CONCEPT_PREFIX + "_".join(w for w, _ in words_of(self.term)) or CONCEPT_PREFIX + self.term.lower()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, self.means, *self.also)


@dataclass(frozen=True, slots=True)
class Span:
    """A glossary form found in a word sequence: words[start:end] mean ``entry``."""

    start: int
    end: int
    entry: GlossaryEntry


class Glossary:
    """Finds glossary forms in stemmed word sequences (longest match first)."""

    def __init__(self, entries: Sequence[GlossaryEntry] = ()) -> None:
        self.entries = tuple(entries)
        self._forms: dict[tuple[str, ...], GlossaryEntry] = {}
        self._caps_forms: dict[tuple[str, ...], GlossaryEntry] = {}
        self.words: set[str] = set()
        """Every lower-case word used in a form: the engine can correct a typo towards them."""
        for entry in self.entries:
            for n, form in enumerate(entry.forms):
                words = [w for w, _ in words_of(clean_unicode(form))]
                if not words:
                    continue
                self.words.update(words)
                key = tuple(stem(w) for w in words)
                # The acronym of a match_case entry (a one-word form) only counts in capitals; its meaning and its
                # other forms of several words ("speech and language therapist" for SALT) always do.
                table = self._caps_forms if entry.match_case and n != 1 and len(words) == 1 else self._forms
                table.setdefault(key, entry)
        self._longest = max((len(k) for k in (*self._forms, *self._caps_forms)), default=0)
        self._form_stems = frozenset(w for key in (*self._forms, *self._caps_forms) for w in key)
        """Stems that can start or continue a glossary form: a run of other stems holds no form."""

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, stems: Sequence[str], capitals: Sequence[bool]) -> list[Span]:
        """Non-overlapping glossary forms in ``stems``, scanning left to right, longest form first.

        Plural acronyms ("RHIs", "SGOs", "CPPs") are read as their singular first: the stemmer leaves them
        whole, and practitioners pluralise acronyms as often as words, in chat often in lower case ("rhis",
        "sws"). Only runs of words that occur in some form are scanned (a form lies wholly inside one run, and
        most words of a summary are in none)."""
        stems = [self._singular(s, caps) for s, caps in zip(stems, capitals, strict=True)]
        spans: list[Span] = []
        n, start = len(stems), 0
        while start < n:
            if stems[start] not in self._form_stems:
                start += 1
                continue
            end = start + 1
            while end < n and stems[end] in self._form_stems:
                end += 1
            spans += self._scan(stems, capitals, start, end)
            start = end
        return spans

    def _scan(self, stems: Sequence[str], capitals: Sequence[bool], start: int, end: int) -> list[Span]:
        spans: list[Span] = []
        i = start
        while i < end:
            for size in range(min(self._longest, end - i), 0, -1):
                key = tuple(stems[i : i + size])
                entry = self._forms.get(key)
                if entry is None and all(capitals[i : i + size]):
                    entry = self._caps_forms.get(key)
                if entry is not None:
                    spans.append(Span(i, i + size, entry))
                    i += size
                    break
            else:
                i += 1
        return spans

    def _singular(self, word: str, capitals: bool) -> str:
        """The singular of a plural acronym when it is a form and the plural is not (so "CAMHS" stays CAMHS).

        Typed in lower case, the singular must be a form read in any case and the plural no English word:
        "sws" and "rhis" are read as SW and RHI, but "swiss" is not SWIS, "gps" and "pas" are words of their own,
        and "ehs" is not EH (read only in capitals)."""
        if len(word) < 3 or not word.endswith("s") or (word,) in self._forms or (word,) in self._caps_forms:
            return word
        single = word[:-1]
        if capitals:
            return single if (single,) in self._caps_forms or (single,) in self._forms else word
        return single if (single,) in self._forms and not english.is_word(word) else word


def load_glossary(path: Path | str | None) -> Glossary:
    """Read and check a glossary file; ``None`` gives an empty glossary. Raises ``GlossaryError``."""
    if path is None:
        return Glossary()
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise GlossaryError([Problem(shown, "glossary file not found")])
    data, problem = read_yaml(path, shown, MAX_GLOSSARY_BYTES)
    if problem:
        raise GlossaryError([problem])
    entries, problems = _parse(data, shown)
    if problems:
        raise GlossaryError(problems)
    return Glossary(entries)


def _parse(data: Any, shown: str) -> tuple[list[GlossaryEntry], list[Problem]]:
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        return [], [Problem(shown, "the glossary must be a mapping with a 'terms:' list")]
    problems: list[Problem] = []
    for key in data:
        if key != "terms":
            problems.append(
                Problem(
                    shown,
                    f"unknown field '{key}'{did_you_mean(key, ['terms'])}",
                    line=getattr(data, "lines", {}).get(key),
                )
            )
    entries: list[GlossaryEntry] = []
    owner: dict[str, str] = {}
    for n, raw in enumerate(data["terms"], 1):
        line = getattr(raw, "line", None)
        where = f"terms[{n}]"
        if not isinstance(raw, dict):
            problems.append(Problem(shown, "each entry needs 'term' and 'means'", line=line, field=where))
            continue
        lines = getattr(raw, "lines", {})

        def bad(message: str, name: str, lines: dict[str, int] = lines, line: int | None = line, n: int = n) -> None:
            """Record a problem with field ``name`` of this entry, at its own line when known."""
            problems.append(Problem(shown, message, line=lines.get(name, line), field=f"terms[{n}].{name}"))

        for key in raw:
            if key not in ENTRY_FIELDS:
                bad(f"unknown field '{key}'{did_you_mean(key, ENTRY_FIELDS)}", key)
        term, means = raw.get("term"), raw.get("means")
        also, match_case = raw.get("also", []), raw.get("match_case", False)
        if isinstance(also, str):
            also = [also]
        ok = True
        for name, value in (("term", term), ("means", means)):
            if not isinstance(value, str) or not value.strip():
                bad(f"'{name}' must be non-empty text", name)
                ok = False
        if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
            bad("'also' must be a list of text", "also")
            ok = False
        if not isinstance(match_case, bool):
            bad("'match_case' must be true or false", "match_case")
            ok = False
        if not ok or not isinstance(term, str) or not isinstance(means, str):
            continue
        entry = GlossaryEntry(
            term=term.strip(),
            means=" ".join(means.split()),
            also=tuple(" ".join(a.split()) for a in also),
            match_case=match_case,
        )
        for form in {f.lower() for f in entry.forms}:
            key = " ".join(stem(w) for w, _ in words_of(clean_unicode(form)))
            if key in owner and owner[key] != entry.term:
                problems.append(
                    Problem(shown, f"form '{form}' is already used by '{owner[key]}'", line=line, field=f"{where}")
                )
            owner.setdefault(key, entry.term)
        entries.append(entry)
    return entries, problems
