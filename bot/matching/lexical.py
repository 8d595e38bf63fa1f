"""The lexical signal: from a practitioner's words to scored evidence items.

How a question is read
    clean Unicode -> cap the length -> words (lower case, British spelling, texting shorthand, filler such
    as "quick one" removed) -> typo correction towards the evidence base's own vocabulary (rapidfuzz,
    1 edit for words of 5-7 letters, 2 for longer; a common English word is never a typo) -> stems ->
    glossary forms replaced by their concept ("fgc" -> family group conference) -> stop words dropped.
    What is left are the question's *terms*.

How an item is scored (0-100, one scale on every surface)
    score = 100 * (COVERAGE_WEIGHT * coverage + PHRASE_WEIGHT * phrase)

    coverage  How much of the question the item covers: the question's terms weighted by rarity (BM25
              inverse document frequency), each counted by the best field it appears in (title and example
              questions 1.0, tags 0.9, summary and findings 0.6, themes 0.5; a typo-corrected word 0.85 of
              that). A term found nowhere in the evidence base counts against every item, so a question about
              something the base does not cover cannot score high; an everyday English word counts less
              against it than an uncommon one (see ``bot.english``).
    phrase    How closely the question matches one of the item's short phrases (its title or one of its
              example questions): the mean of a rarity-weighted Dice overlap of terms and rapidfuzz's
              ``token_sort_ratio`` of the term strings. Both penalise words on *either* side that the other
              lacks, which guards against rapidfuzz's subset effect (``token_set_ratio`` scores 100 when one
              side's words are a subset of the other's).

    Results are items scoring at least the confidence bar, provided the best of them shares enough with
    the question: the question reads as one of its own phrases, or the words in common say enough beyond
    everyday English (``MIN_INFORMATION``; one everyday word such as "call" is not enough). Otherwise
    items at or above the lower suggestions band are offered as "did you mean".
    Two near-equal top scores below the strong bar are treated as ambiguous (suggestions, not an answer),
    so the bot does not guess between two items.

Everything that does not depend on the question (terms of every item, postings, rarity weights, the
vocabulary for typo correction) is built once in ``Engine.__init__``; nothing is rebuilt per question. What
each item's texts read as is kept per item in the cache folder (``lexical_index``), so a restart reads no
item again and a knowledge edit re-reads only the edited items; the postings are then built from those
entries with a few array operations.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot import english, welsh
from bot.answer import Answer, Match
from bot.glossary import Glossary
from bot.knowledge import KnowledgeItem
from bot.matching import lexical_index
from bot.matching.programme_names import ProgrammeNames
from bot.redact import without_personal_details
from bot.text import (
    STOP_WORDS,
    british,
    clean_unicode,
    stem,
    without_chat_markup,
    without_mail_furniture,
    words_of,
)

MAX_QUESTION_CHARS = 1000
"""Text beyond this is not read (the user is told). Keeps every question well under a millisecond or two."""
MAX_TERMS = 48

CONFIDENT_SCORE = 36.0
SUGGEST_SCORE = 24.0
STRONG_SCORE = 75.0
AMBIGUITY_MARGIN = 0.5
MIN_INFORMATION = 4.0
"""Least information (``bot.english.information``, summed over the question's words the best item contains)
for a confident answer: one uncommon word or glossary term is enough, one everyday word is not."""

COVERAGE_WEIGHT = 0.5
PHRASE_WEIGHT = 0.5
FIELD_WEIGHTS = {"title": 1.0, "questions": 1.0, "tags": 0.9, "body": 0.6, "themes": 0.5}
FIELD_LABELS = ("title", "example questions", "tags", "summary", "themes")
_FIELD_CODES = {"title": 0, "questions": 1, "tags": 2, "body": 3, "themes": 4}
_CODE_WEIGHTS = np.array([FIELD_WEIGHTS[f] for f in sorted(_FIELD_CODES, key=_FIELD_CODES.__getitem__)], np.float32)
_RECURRING = frozenset(("tags", "themes"))
"""Fields whose texts recur across many items: each distinct one is read once per build."""
TYPO_FACTOR = 0.85
CANDIDATES = 40


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text read the engine's way."""

    terms: tuple[str, ...]
    """Content terms in order (stems and glossary concepts), stop words removed."""
    expansions: tuple[tuple[str, str], ...] = ()
    """(written form, glossary meaning) pairs."""
    corrections: tuple[tuple[str, str], ...] = ()
    """(typed word, corrected word) pairs."""
    commonness: Mapping[str, float] = field(default_factory=dict)
    """Term -> Zipf frequency in everyday English of the word it came from, for plain-word terms of a
    question; glossary concepts and uncommon words are absent (see ``bot.english``)."""
    plain: str = ""
    """The text as plain words for the sentence model: shorthand and typos fixed, glossary forms spelt out
    ("fgc for neglect" -> "family group conference for neglect"), stop words kept."""

    @property
    def phrase(self) -> str:
        return " ".join(self.terms)


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    truncated: bool
    analysis: Analysis
    corrected_terms: frozenset[str]
    matched_text: str = ""
    """The text as matched: personal details removed, so a pasted NHS number never changes what is found."""


class LexicalEngine:
    """Built once from a knowledge base and a glossary; answers many questions."""

    def __init__(
        self,
        items: Sequence[KnowledgeItem],
        glossary: Glossary | None = None,
        *,
        confident_score: float = CONFIDENT_SCORE,
        suggest_score: float = SUGGEST_SCORE,
        cache: Path | None = None,
    ) -> None:
        """``cache`` is a folder where what was read in each item is kept between runs (``lexical_index``)."""
        self.items = tuple(items)
        self.by_id = {item.id: item for item in self.items}
        """Items by id, for "show ID" and buttons (built once, like everything else here)."""
        self._position = {item.id: n for n, item in enumerate(self.items)}
        english.preload()  # read the word lists now, not during the first question
        self.glossary = glossary or Glossary()
        self.confident_score = confident_score
        self.suggest_score = min(suggest_score, confident_score)
        self._concepts = {e.concept: e for e in self.glossary.entries}
        self._concept_of = {id(e): e.concept for e in self.glossary.entries}
        """Each entry's concept term (``GlossaryEntry.concept`` is worked out afresh on every call)."""
        self._protected = {w for e in self.glossary.entries for w in _acronym_words(e.term)}
        self.names = ProgrammeNames(form for e in self.glossary.entries for form in e.forms)
        """Names a question asks about ("Caring Dads"): a confident answer must mention them (``programme_names``)."""
        entries = self._entries(cache)
        count = len(self.items)
        # term -> (item indexes ascending, idf x field weight, code of the best field it appears in): slices
        # of three flat arrays (a base of 100k items has millions of postings, too many for an object each)
        df = np.bincount(entries.term_ids, minlength=len(entries.terms))
        idf = [_idf(d, count) for d in df.tolist()]
        self._idf = dict(zip(entries.terms, idf, strict=True))
        self._unknown_idf = _idf(0, max(count, 1))
        order = np.argsort(entries.term_ids, kind="stable")  # by term; items stay ascending within a term
        owners = np.repeat(np.arange(count, dtype=np.int32), np.diff(entries.term_starts))[order]
        codes = entries.codes[order]
        contrib = _CODE_WEIGHTS[codes] * np.asarray(idf, dtype=np.float32)[entries.term_ids[order]]
        del order
        bounds = np.zeros(len(entries.terms) + 1, dtype=np.int64)
        np.cumsum(df, out=bounds[1:])
        self._postings = {
            t: (owners[a:b], contrib[a:b], codes[a:b])
            for t, a, b in zip(entries.terms, bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
        }
        self._vocab_stems = frozenset(t for t in self._postings if not t.startswith("~"))
        sources = entries.phrase_sources.tolist()
        owner_of = np.repeat(np.arange(count), np.diff(entries.phrase_starts)).tolist()
        self._phrases = tuple(
            (canonical, self.items[n].title if k == 0 else self.items[n].questions[k - 1])
            for canonical, k, n in zip(entries.phrases, sources, owner_of, strict=True)
        )
        self._phrase_starts = entries.phrase_starts
        """Item n's phrases are ``_phrases[_phrase_starts[n]:_phrase_starts[n + 1]]``."""
        self._phrase_weights = np.full(len(self._phrases), np.nan)
        """Each phrase's total term weight, worked out the first time a question is compared with it (eight bytes
        a phrase, nothing at start-up)."""
        surface = np.bincount(entries.word_ids, weights=entries.word_counts, minlength=len(entries.words))
        self._surface_count = {w: int(c) for w, c in zip(entries.words, surface.tolist(), strict=True)}
        for w in self.glossary.words:
            if _typo_target(w):
                self._surface_count.setdefault(w, 0)
        self._vocab_by_length: dict[int, list[str]] = {}
        for w in sorted(self._surface_count):
            self._vocab_by_length.setdefault(len(w), []).append(w)

    def _entries(self, cache: Path | None) -> lexical_index.Entries:
        """Every item's ``ItemEntry``, from the cache where the item's texts are unchanged."""
        base = lexical_index.fingerprint(self.glossary.entries)
        fields = [[texts for _, texts in _fields(item)] for item in self.items]
        keys = lexical_index.item_keys(fields, base)
        del fields
        memo: dict[str, tuple[tuple[str, ...], list[str], list[str]]] = {}
        entries, self.read_items = lexical_index.entries_for(  # read_items: items not found in the cache
            keys, lambda n: self._read_item(self.items[n], memo), cache, [len(i.questions) for i in self.items]
        )
        return entries

    def _read_item(
        self, item: KnowledgeItem, memo: dict[str, tuple[tuple[str, ...], list[str], list[str]]]
    ) -> lexical_index.ItemEntry:
        """What the index keeps of one item: its terms with their best field, its words, its phrases."""
        best: dict[str, tuple[float, int]] = {}
        words: dict[str, int] = {}
        phrases: list[tuple[int, str]] = []
        for field_name, texts in _fields(item):
            weight, code = FIELD_WEIGHTS[field_name], _FIELD_CODES[field_name]
            for position, text in enumerate(texts):
                read = memo.get(text) if field_name in _RECURRING else None
                if read is None:
                    analysis, concept_words, all_words = self._analyse(text)
                    read = (analysis.terms, concept_words, [w for w in all_words if _typo_target(w)])
                    if field_name in _RECURRING:
                        memo[text] = read
                terms, concept_words, targets = read
                for word in targets:
                    words[word] = words.get(word, 0) + 1
                for term in (*terms, *concept_words):
                    if best.get(term, (0.0, 0))[0] < weight:
                        best[term] = (weight, code)
                if field_name in ("title", "questions"):
                    canonical = " ".join(terms)
                    if canonical:
                        phrases.append((0 if field_name == "title" else position + 1, canonical))
        return lexical_index.ItemEntry({t: code for t, (_, code) in best.items()}, words, phrases)

    # --- reading text ----------------------------------------------------------------------------------

    def _analyse(self, text: str, *, correct: bool = False) -> tuple[Analysis, list[str], list[str]]:
        """Terms of a text, its glossary forms' own words, and its words, in one pass.

        A question is read as the terms (a glossary concept replaces its words, so "fgc" is one thing
        asked); an item also keeps the concept's words (so a plain word search still finds it)."""
        cleaned = clean_unicode(text)
        pairs = words_of(cleaned)
        words = [w for w, _ in pairs]
        capitals = [c for _, c in pairs]
        corrections: list[tuple[str, str]] = []
        if correct:
            names = proper_nouns(cleaned)
            for n, word in enumerate(words):
                fixed = self._correct(word, everyday=word not in names)
                if fixed != word:
                    corrections.append((word, fixed))
                    words[n] = fixed
        stems = [stem(w) for w in words]
        spans = self.glossary.find(stems, capitals)
        terms: list[str] = []
        commonness: dict[str, float] = {}
        concept_words: list[str] = []
        expansions: list[tuple[str, str]] = []
        plain: list[str] = []
        position = 0
        for span in (*spans, None):
            end = span.start if span else len(words)
            plain.extend(words[position:end])
            for k in range(position, end):
                if words[k] not in STOP_WORDS and (len(words[k]) > 1 or words[k].isdigit()):
                    terms.append(stems[k])
                    if correct:  # how everyday the word is, in its commonest form ("calling" as "call")
                        frequency = max(english.zipf(words[k]), english.zipf(stems[k]))
                        if frequency > commonness.get(stems[k], 0.0):
                            commonness[stems[k]] = frequency
            if span is None:
                break
            concept_words.extend(stems[k] for k in range(span.start, span.end) if words[k] not in STOP_WORDS)
            terms.append(self._concept_of[id(span.entry)])
            written = " ".join(words[span.start : span.end])
            shorthand = span.end - span.start == 1 and (capitals[span.start] or not english.is_common(written))
            # the sentence model does not know shorthand ("lac"), and reads everyday wording better with its
            # meaning beside it ("snowed under (overwhelmed by a heavy workload)")
            same = written == span.entry.means.lower()
            plain.append(
                span.entry.means.lower() if shorthand else written if same else f"{written} ({span.entry.means})"
            )
            if written.lower() != span.entry.means.lower():
                expansions.append((written, span.entry.means))
            position = span.end
        analysis = Analysis(tuple(terms), tuple(expansions), tuple(corrections), commonness, " ".join(plain))
        return analysis, concept_words, words

    def _correct(self, word: str, *, everyday: bool = True) -> str:
        """The evidence base's own spelling of a mistyped word or its everyday English spelling, whichever is
        fewer slips away (an everyday spelling is what the sentence model reads, and is not an unseen word),
        or the word itself. "evidance" is "evidence" (one slip), not "guidance" (two).

        A name (written with a capital mid-sentence: ``proper_nouns``) is corrected only when two of its letters are
        swapped in the base's own word ("Signs of Sfaety", "Lifelong Lniks"): a name one letter from a word is
        another name ("Osian" is not "Asian", "Tomos" not "Tomas", "Kooth" not "booth")."""
        if len(word) < 5 or not word.isalpha() or self._base_word(word) or english.is_word(word):
            return word
        allowed = 1 if len(word) <= 7 else 2
        best: tuple[int, int, str] | None = None
        for length in range(len(word) - allowed, len(word) + allowed + 1):
            choices = self._vocab_by_length.get(length)
            if not choices:
                continue
            for choice, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=allowed, limit=3
            ):
                rank = (int(distance), -self._surface_count[choice], choice)
                if best is None or rank < best:
                    best = rank
        if not everyday:  # a name: only two letters swapped in the base's own word, which no other name is
            return best[2] if best is not None and sorted(best[2]) == sorted(word) else word
        respelt = english.respelt(word)  # one slip from a common English word, in British spelling
        common = british(respelt) if respelt else None
        if best is None:
            return common or word
        if common is None:
            return best[2]
        # one slip from both: the base's word, unless the English one is an everyday word and commoner
        # ("isuse" is "issue", not "misuse"; "craer" is "carer", not "crater")
        if best[0] > 1 or english.everyday_spelling(common, best[2]):
            return common
        return best[2]

    def read(self, question: str, *, redacted: bool = False) -> Question:
        """Clean, cap and analyse a question; ``redacted``: its personal details are already removed (a part of
        a question read before), so they are not looked for again."""
        raw = question[: MAX_QUESTION_CHARS * 4]
        # a part of a question read before has had its mail furniture removed already
        text = clean_unicode(raw if redacted else without_chat_markup(without_mail_furniture(raw)))
        truncated = len(text) > MAX_QUESTION_CHARS
        if truncated:
            cut = text[:MAX_QUESTION_CHARS]
            text = cut[: cut.rfind(" ")] if " " in cut[-40:] else cut
        # Welsh terms are read in English first ("esgeulustod" as "neglect"): the framing words of a Welsh question
        # ("beth", "mae") are given names in English, and would be taken for names
        english_text, from_welsh = welsh.in_english(text)
        matched_text = english_text if redacted else without_personal_details(english_text)
        analysis, _, _ = self._analyse(matched_text, correct=True)
        fixed = {stem(new) for _, new in analysis.corrections}
        unique = tuple(dict.fromkeys(analysis.terms))[:MAX_TERMS]
        expansions = from_welsh + analysis.expansions
        analysis = Analysis(unique, expansions, analysis.corrections, analysis.commonness, analysis.plain)
        return Question(text, truncated, analysis, frozenset(fixed), matched_text)

    # --- scoring ---------------------------------------------------------------------------------------

    def rank(self, question: str, limit: int = 5) -> list[Match]:
        """Best items first, whatever their score (for benchmarks and "more")."""
        return self.rank_question(self.read(question), limit)

    def unknown_words(self, q: Question) -> float:
        """How much of the question the evidence base has never seen: its terms found in no item, each counted
        by how specific it is (1 for an uncommon word such as "theraplay", a fraction for an everyday one)."""
        return sum(_specificity(q, t) for t in q.analysis.terms if t not in self._idf)

    def missing_words(self, q: Question, item_id: str) -> float:
        """How much of what the question names the item lacks: its terms the base knows but this item does not
        contain, each counted by how specific it is. "Caring Dads" asked of an item about another parenting
        programme, or "age assessment" of an item about transfers, leaves specific words unmatched."""
        index = self._position[item_id]
        return sum(_specificity(q, t) for t in q.analysis.terms if t in self._idf and self._field_of(t, index) is None)

    def position(self, item_id: str) -> int:
        """Index of an item in ``items``."""
        return self._position[item_id]

    def rank_question(self, q: Question, limit: int, *, explain: bool = True) -> list[Match]:
        """Best items first for a question already read, whatever their score. With ``explain=False`` the
        reasons are left out (``explain_item`` gives them for the few items shown)."""
        terms = q.analysis.terms
        if not terms or not self.items:
            return []
        query_weights, total = self._query_weights(q)
        coverage = np.zeros(len(self.items), dtype=np.float32)
        for term in terms:
            posting = self._postings.get(term)
            if posting is None:
                continue
            idx, contrib, _ = posting
            coverage[idx] += contrib * (TYPO_FACTOR if term in q.corrected_terms else 1.0)
        coverage /= total
        hits = np.flatnonzero(coverage)
        if hits.size == 0:
            return []
        if hits.size > CANDIDATES:
            top = np.argpartition(coverage[hits], -CANDIDATES)[-CANDIDATES:]
            hits = hits[top]
        scored: list[tuple[float, int, int]] = []
        for index in hits.tolist():
            best_phrase, best_n = self._best_phrase(q, index, query_weights, total)
            score = 100.0 * (COVERAGE_WEIGHT * float(coverage[index]) + PHRASE_WEIGHT * best_phrase)
            scored.append((round(min(score, 100.0), 1), index, best_n))
        scored.sort(key=lambda s: (-s[0], self.items[s[1]].id))
        return [Match(self.items[i], s, self._explain(q, i, n) if explain else ()) for s, i, n in scored[:limit]]

    def explain_item(self, q: Question, item_id: str) -> tuple[str, ...]:
        """Why ``item_id`` matched the question in words: its closest phrase, the fields, the glossary."""
        index = self._position[item_id]
        _, best_n = self._best_phrase(q, index, *self._query_weights(q))
        return self._explain(q, index, best_n)

    def _query_weights(self, q: Question) -> tuple[dict[str, float], float]:
        """Each term's rarity weight, and the question's total weight (what coverage is a share of).

        Words the evidence base has never seen count against every item, with diminishing returns: the
        first one or two suggest the question is about something else; the tenth word of a long chatty
        message is mostly context. n uncommon unknown words weigh sqrt(n) times one; an everyday word
        ("morning", "upset") counts as a fraction of one, as it says little about the topic."""
        weights = {t: self._idf.get(t, self._unknown_idf) for t in q.analysis.terms}
        total = float(sum(w for t, w in weights.items() if t in self._idf))
        return weights, total + self._unknown_idf * math.sqrt(self.unknown_words(q))

    def _best_phrase(self, q: Question, index: int, weights: dict[str, float], total: float) -> tuple[float, int]:
        """How closely the question matches item ``index``'s closest phrase, and which phrase (-1: none)."""
        best_phrase, best_n = 0.0, -1
        for n in range(self._phrase_starts[index], self._phrase_starts[index + 1]):
            value = self._phrase_similarity(q.analysis.phrase, weights, total, n)
            if value > best_phrase:
                best_phrase, best_n = value, n
        return best_phrase, best_n

    def _phrase_similarity(self, query: str, weights: dict[str, float], total: float, n: int) -> float:
        canonical = self._phrases[n][0]
        phrase_terms = set(canonical.split())
        common = sum(w for t, w in weights.items() if t in phrase_terms)
        phrase_total = float(self._phrase_weights[n])
        if phrase_total != phrase_total:  # not worked out yet (NaN)
            phrase_total = sum(self._idf.get(t, self._unknown_idf) for t in phrase_terms)
            self._phrase_weights[n] = phrase_total
        dice = 2.0 * common / (total + phrase_total) if total + phrase_total else 0.0
        return 0.5 * dice + 0.5 * fuzz.token_sort_ratio(query, canonical) / 100.0

    def answer(
        self,
        question: str,
        limit: int = 3,
        *,
        further: int = 0,
        confident_score: float | None = None,
        suggest_score: float | None = None,
    ) -> Answer:
        """Confident results (at most ``limit``), else suggestions, timed from the first character read.

        ``further`` asks for that many more ranked items after those shown (for a later "more")."""
        started = time.perf_counter()
        confident = self.confident_score if confident_score is None else confident_score
        suggest = self.suggest_score if suggest_score is None else suggest_score
        q = self.read(question)
        ranked = self.rank_question(q, max(limit, 3) + 1 + further)
        results = [m for m in ranked if m.score >= confident]
        not_covered: tuple[str, ...] = ()
        if results and not self.says_enough(q, results[0].item):
            results = []
        if results:
            wanted = self.names.asked(q.matched_text or q.text, dict(q.analysis.corrections))
            not_covered = self.names.missing(results[0].item, wanted)
            results = [] if not_covered else results
        if (
            len(results) >= 2
            and results[0].score < STRONG_SCORE
            and results[0].score - results[1].score < AMBIGUITY_MARGIN
        ):
            results = []
        suggestions = [] if results else [m for m in ranked if m.score >= suggest]
        answer = self.assemble(q, ranked, results, suggestions, limit, further, started)
        return replace(answer, not_covered=not_covered) if not_covered else answer

    def assemble(
        self,
        q: Question,
        ranked: list[Match],
        results: list[Match],
        suggestions: list[Match],
        limit: int,
        further: int,
        started: float,
    ) -> Answer:
        """The ``Answer`` for a decided question: at most ``limit`` results or suggestions, then ``further``
        ranked items after those shown (for "more"), timed from ``started``."""
        suggestions = suggestions[:limit]
        shown = len(results[:limit]) or len(suggestions)
        return Answer(
            question=q.text,
            results=tuple(results[:limit]),
            suggestions=tuple(suggestions),
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
            truncated=q.truncated,
            understood=self.understood(q),
            further=tuple(ranked[shown : shown + further]),
            has_topic=bool(q.analysis.terms),
        )

    def understood(self, q: Question) -> tuple[str, ...]:
        """How the question was read, for the user: spelling corrections to the evidence base's own words, then
        glossary expansions, each once. A word respelt as an everyday word the base does not use changed nothing
        that was found, and is most often a name no list knows ("hodan -> hogan"): it is not echoed back."""
        understood = [f"{a} → {b}" for a, b in q.analysis.corrections if self._base_word(b)]
        understood += [f"{a} → {b}" for a, b in q.analysis.expansions]
        return tuple(dict.fromkeys(understood))

    def _base_word(self, word: str) -> bool:
        """A word the evidence base or the glossary uses (as written, or its stem), or a word of asking ("evidence")."""
        return (
            word in self._surface_count
            or word in self._protected
            or word in STOP_WORDS
            or stem(word) in self._vocab_stems
        )

    def says_enough(self, q: Question, item: KnowledgeItem) -> bool:
        """Whether what the question shares with ``item`` is enough for a confident answer.

        It is when the question reads as one of the item's own phrases (its title or an example question,
        once stop words are set aside), or when the words it shares carry at least ``MIN_INFORMATION``
        beyond everyday English."""
        index = self._position[item.id]
        asked = set(q.analysis.terms)
        phrases = range(self._phrase_starts[index], self._phrase_starts[index + 1])
        if any(set(self._phrases[n][0].split()) == asked for n in phrases):
            return True
        information = sum(
            english.information(q.analysis.commonness.get(term, 0.0))
            for term in q.analysis.terms
            if self._field_of(term, index) is not None
        )
        return information >= MIN_INFORMATION

    # --- explanations ----------------------------------------------------------------------------------

    def _field_of(self, term: str, index: int) -> int | None:
        """Code of the best field ``term`` appears in for item ``index``, from the postings (no re-reading)."""
        posting = self._postings.get(term)
        if posting is None:
            return None
        at = int(np.searchsorted(posting[0], index))
        return int(posting[2][at]) if at < posting[0].size and posting[0][at] == index else None

    def _explain(self, q: Question, index: int, phrase_n: int) -> tuple[str, ...]:
        reasons: list[str] = []
        if phrase_n >= 0:
            text = self._phrases[phrase_n][1]
            where = "title" if text == self.items[index].title else "example question"
            reasons.append(f"closest {where}: “{text}”")
        found: dict[int, list[str]] = {}
        for term in q.analysis.terms:
            code = self._field_of(term, index)
            if code is not None:
                found.setdefault(code, []).append(self._readable(term))
        for code, terms in sorted(found.items()):
            reasons.append(f"{FIELD_LABELS[code]}: {', '.join(terms)}")
        reasons += [f"read “{a}” as “{b}”" for a, b in q.analysis.expansions]
        reasons += [f"read “{a}” as “{b}” (spelling)" for a, b in q.analysis.corrections]
        return tuple(reasons)

    def _readable(self, term: str) -> str:
        entry = self._concepts.get(term)
        return entry.term if entry else term


def _fields(item: KnowledgeItem) -> list[tuple[str, tuple[str, ...]]]:
    body = (
        item.summary,
        *item.findings,
        *((item.evidence.outcome,) if item.evidence and item.evidence.outcome else ()),
    )
    return [
        ("title", (item.title,)),
        ("questions", item.questions),
        ("tags", item.tags),
        ("themes", item.themes),
        ("body", body),
    ]


def _idf(df: int, count: int) -> float:
    return math.log(1.0 + (count - df + 0.5) / (df + 0.5))


def _typo_target(word: str) -> bool:
    """Whether typo correction can aim at a word of the evidence base or glossary."""
    return word.isalpha() and len(word) >= 4 and word not in STOP_WORDS


def _acronym_words(term: str) -> list[str]:
    return [w for w, _ in words_of(term)]


def _specificity(q: Question, term: str) -> float:
    """How specific a question's term is (``english.specificity``). A number ("14", "2015", "9s", "8am") or a place
    ("Conwy", "Hartlepool") is a detail of the question (an age, a year, a count, a time, where the asker works),
    not what it is about: it counts as an everyday word."""
    if term[:1].isdigit() or term in _place_terms():
        return english.EVERYDAY_WEIGHT
    return english.specificity(q.analysis.commonness.get(term, 0.0))


_PROPER_NOUN = re.compile(r"(?<=[a-z0-9,;)] )[A-Z][a-z]+(?:['’]s)?\b")


def proper_nouns(text: str) -> frozenset[str]:
    """Words written with a capital in the middle of a sentence ("a programme called Kooth", "we're in Peckham",
    "Cerys and Osian"): names of people, places and services, never typos of everyday words. Lower case."""
    return frozenset(m.group().lower().removesuffix("'s").removesuffix("’s") for m in _PROPER_NOUN.finditer(text))


@cache
def _place_terms() -> frozenset[str]:
    """The terms (stems) of place names (``english.places``)."""
    return frozenset(stem(w) for w in english.places())
