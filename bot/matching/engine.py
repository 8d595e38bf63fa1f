"""``Engine``: the lexical and the semantic signal together, built once per knowledge base.

For each question:
1. the lexical engine reads it (clean, cap, shorthand, typos, glossary, personal details removed) and
   scores its candidate items (``lexical``);
2. the sentence model reads the whole message, its plain-words reading when the glossary or spelling
   changed it ("LAC" -> "looked after children"; of a long message, also that of its asking sentences), and
   each sentence of a long message (``reading``), and
   finds each item's closest phrase (``semantic``); the model starts on the helper threads as soon as the
   question is read, and the lexical engine ranks meanwhile (``Meaning``);
3. the two are fused into one ranking and one 0-100 score, the calibrated chance the item is right
   (``fusion``); a confident answer, "did you mean", or nothing follows from that score, and a confident
   answer must mention any programme the question names ("is Caring Dads any good?": ``programme_names``);
   a message asking several things is also answered question by question (``_several``,
   ``reading.questions``);
4. a broad question, as close in meaning to a theme's name as to any one item, also names that theme
   (``broad_theme``), so the reply can offer all of its evidence.

With the semantic signal off (``BOT_SEMANTIC=off``) the lexical engine answers alone, on its own scale.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.answer import Answer, Match
from bot.embeddings import Embedding, VectorCache, blas, load_encoder
from bot.glossary import Glossary
from bot.knowledge import KnowledgeItem, theme_counts
from bot.matching import fusion, lexical
from bot.matching.lexical import LexicalEngine, Question
from bot.matching.reading import asked, compared, left_out, questions, readings
from bot.matching.semantic import QUESTION, TITLE, Closest, SemanticIndex

log = logging.getLogger(__name__)

LEXICAL_CANDIDATES = 40
"""Lexical candidates scored per question (the semantic side proposes its own)."""
RANKED_POOL = 12
"""Items scored for every question, whatever the caller shows (the answer, see-also, "more")."""
EXPLAIN_COSINE = 0.45
"""From this cosine up, the explanation names the phrase the question is close in meaning to."""
THEME_COSINE = 0.5
"""A question this close in meaning to a theme's name ("what works for neglect?"), and at least as close to it as
to any one item (less ``THEME_MARGIN``), is broad: the answer also points to the theme's items."""
THEME_MARGIN = 0.05
MIN_THEME_ITEMS = 3
"""A theme with fewer items is no broader than an answer."""
MAX_THEMES = 200
"""Themes embedded at most (the largest), so a base with free-text themes stays quick to load."""
THEME_VOTES = 4
"""Best-ranked items whose themes choose between themes whose names a broad question is close to (four: every
answer ranks at least four, so the choice never depends on how many results the caller shows)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One item as both signals see it for one question."""

    signals: fusion.Signals
    features: tuple[float, ...]
    why: tuple[str, ...]
    """Why it matched (empty when ``evaluate`` was asked not to explain: see ``Engine.explain``)."""
    closest: Closest
    """Its closest phrase, for explaining it later."""
    lexical_match: bool

    @property
    def decisive(self) -> bool:
        s = self.signals
        return fusion.decisive(s.cosine, s.lexical, s.enough)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Ranked matches for one question, and what the answer decision needs beyond their scores."""

    matches: list[Match]
    decisive: frozenset[str]
    """Items with one signal close on its own (``fusion.decisive``): only they can be answers."""
    lexical_near: frozenset[str]
    """Items the lexical engine alone would offer as "did you mean"."""
    top_cosine: float = 0.0
    """The best cosine of the most relevant item (for telling a broad question from a specific one)."""
    most_relevant: tuple[KnowledgeItem, ...] = ()
    """The items most relevant to the question, in order of relevance (``matches`` below the top one are in order
    of score): what a broad question's theme is chosen by."""


@dataclass(frozen=True, slots=True)
class Meaning:
    """The sentence model's reading of one question: a vector per reading, and the weight each carries."""

    embedding: Embedding
    """Started when the question is read: the model runs on the helper threads while the lexical engine ranks."""
    weights: list[float]
    named: Question
    """What the question names: of a long message, its asking sentences (``reading.asked``), read by the
    lexical engine; otherwise the question itself."""

    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        """A vector per reading (waits for the model, running what the helper threads have not taken)."""
        return self.embedding.result()


class Engine:
    """Built once from a knowledge base and a glossary; answers many questions."""

    def __init__(
        self,
        items: Sequence[KnowledgeItem],
        glossary: Glossary | None = None,
        *,
        confident_score: float | None = None,
        suggest_score: float | None = None,
        semantic: bool = True,
        vector_cache: Path | None = None,
    ) -> None:
        started = time.perf_counter()
        self.lexical = LexicalEngine(items, glossary, cache=vector_cache)
        self.items = self.lexical.items
        self.by_id = self.lexical.by_id
        self.glossary = self.lexical.glossary
        self.semantic: SemanticIndex | None = None
        self.themes: list[tuple[str, int]] = []
        """(name, items) of the themes a broad question can be pointed to (``broad_theme``), by name."""
        self._theme_vectors: npt.NDArray[np.float32] | None = None
        self.spacing = 1.0
        """The base's ``fusion.spacing_factor``: what the score's margins are multiplied by."""
        if semantic and self.items:
            encoder = load_encoder()
            self.semantic = SemanticIndex(self.items, encoder, VectorCache(vector_cache, encoder.digest))
            self.spacing = fusion.spacing_factor(self.semantic.spacing)
            counts = theme_counts(self.items)
            largest = sorted(counts, key=lambda name: -counts[name])[:MAX_THEMES]
            self.themes = sorted((name, counts[name]) for name in largest if counts[name] >= MIN_THEME_ITEMS)
            self._theme_vectors = encoder.embed([name for name, _ in self.themes]) if self.themes else None
            encoder.embed(["warm up"])  # the first call to the model is slow; pay it now, not on a question
            log.debug(
                "semantic index: %d items, %d texts embedded, %.2f s",
                len(self.items),
                self.semantic.embedded,
                time.perf_counter() - started,
            )
        default_confident = fusion.CONFIDENT_SCORE if semantic else lexical.CONFIDENT_SCORE
        default_suggest = fusion.SUGGEST_SCORE if semantic else lexical.SUGGEST_SCORE
        self.confident_score = default_confident if confident_score is None else confident_score
        self.suggest_score = min(default_suggest if suggest_score is None else suggest_score, self.confident_score)

    # --- reading ---------------------------------------------------------------------------------------

    def read(self, question: str) -> Question:
        """Clean, cap and analyse a question (the lexical reading, shared by both signals)."""
        return self.lexical.read(question)

    # --- ranking ---------------------------------------------------------------------------------------

    def rank(self, question: str, limit: int = 5) -> list[Match]:
        """Best items first, whatever their score (for benchmarks and "more")."""
        return self._rank(self.read(question), limit)

    def _rank(self, q: Question, limit: int) -> list[Match]:
        return self._ranked(q, limit).matches

    def _ranked(self, q: Question, limit: int, meaning: Meaning | None = None) -> Ranking:
        if self.semantic is None:
            matches = self.lexical.rank_question(q, limit)
            return Ranking(matches, frozenset(m.item.id for m in matches), frozenset())
        # a fixed pool, so the answer never depends on how many further results the caller asked for
        evaluations = self.evaluate(q, max(limit, RANKED_POOL), meaning, explain=False)
        out = [Match(self.items[e.signals.index], fusion.score(e.features), ()) for e in evaluations]
        # an item below the top is scored as if the top were not there; shown beside it, it is never shown as
        # likelier than the item ranked above it ("did you mean: 1. ... [32]  2. ... [98]" reads as a mistake)
        out[1:] = [replace(m, score=min(m.score, out[0].score)) for m in out[1:]]
        near = frozenset(
            self.items[e.signals.index].id for e in evaluations if e.signals.lexical >= lexical.SUGGEST_SCORE
        )
        # The ranking is relevance; below the top, items are shown in the order of their scores.
        ordered = out[:1] + sorted(out[1:], key=lambda m: -m.score)
        decisive = frozenset(self.items[e.signals.index].id for e in evaluations if e.decisive)
        top_cosine = evaluations[0].signals.cosine if evaluations else 0.0
        # only the items returned are explained (the explanation reads the item's text again)
        by_id = {self.items[e.signals.index].id: e for e in evaluations}
        shown = [replace(m, why=self.explain(q, by_id[m.item.id])) for m in ordered[:limit]]
        relevant = tuple(m.item for m in out[:THEME_VOTES])
        return Ranking(shown, decisive, near, top_cosine, relevant)

    def evaluate(
        self, q: Question, limit: int, meaning: Meaning | None = None, *, explain: bool = True
    ) -> list[Evaluation]:
        """The ``limit`` most relevant items with both signals and the features their score comes from
        (``meaning``: the question's vectors when already worked out); ``explain=False`` leaves out why each
        matched, for ``explain`` to give for the few items shown."""
        assert self.semantic is not None
        meaning = meaning or self._meaning(q)  # the model starts on the question first, then the words are ranked
        lexical_matches = self.lexical.rank_question(q, LEXICAL_CANDIDATES, explain=False)
        lexical_by_index = {self.lexical.position(m.item.id): m for m in lexical_matches}
        closest = self.semantic.closest(meaning.vectors, extra=lexical_by_index.keys(), weights=meaning.weights)
        if not closest:
            return []
        signals = [
            fusion.Signals(
                c.index,
                c.cosine,
                lexical_by_index[c.index].score if c.index in lexical_by_index else 0.0,
                closeness=c.closeness,
            )
            for c in closest
        ]
        signals.sort(key=lambda s: (-s.relevance, self.items[s.index].id))
        # whether the words say enough matters only for the items scored (relevance does not use it)
        signals[:limit] = [
            replace(s, enough=self.lexical.says_enough(q, self.items[s.index])) if s.index in lexical_by_index else s
            for s in signals[:limit]
        ]
        typical = fusion.background([c.cosine for c in closest])
        lexical_top = lexical_matches[0].item.id if lexical_matches else None
        semantic_top = closest[0].index
        cosine_of = {c.index: c for c in closest}
        best_two = heapq.nlargest(2, closest, key=lambda c: c.cosine)  # for "the best cosine of any other item"
        named = meaning.named
        unknown = self.lexical.unknown_words(named)
        out: list[Evaluation] = []
        for rank, s in enumerate(signals[:limit]):
            # each item is judged against the items ranked below it: the top one against the runner-up,
            # the runner-up (for "see also" and "more") as if the top one were not there
            below = signals[rank + 1].relevance if rank + 1 < len(signals) else 0.0
            other_cosine = next((c.cosine for c in best_two if c.index != s.index), 0.0)
            x = fusion.features(
                s,
                below,
                lexical_first=self.items[s.index].id == lexical_top,
                meaning_first=s.index == semantic_top,
                typical=typical,
                best_other_cosine=other_cosine,
                unknown=unknown,
                spacing=self.spacing,
                missing=self.lexical.missing_words(named, self.items[s.index].id),
            )
            phrase, matched = cosine_of[s.index], s.index in lexical_by_index
            why = self._explain(q, phrase, matched) if explain else ()
            out.append(Evaluation(s, x, why, phrase, matched))
        return out

    def _meaning(self, q: Question) -> Meaning:
        """The whole message, each sentence of a long one, and the plain-words reading of what it asks,
        through the model."""
        assert self.semantic is not None
        parts = readings(q.matched_text or q.text)
        texts = [r.text for r in parts]
        weights = [r.weight for r in parts]
        # what the question names: in a long message, its asking sentences, not the context around them
        asking = asked(q.matched_text or q.text)
        named = self.lexical.read(asking, redacted=True) if asking else q
        # "LAC" -> "looked after children": of the whole message, and of what it asks, so that a long
        # message's context does not hide the question's own plain words
        for reading in (q,) if named is q else (q, named):
            plain = reading.analysis.plain
            if (reading.analysis.expansions or reading.analysis.corrections) and plain and plain not in texts:
                texts.append(plain)
                weights.append(1.0)
        return Meaning(self.semantic.start_question(texts), weights, named)

    def broad_theme(
        self, meaning: Meaning, top_cosine: float, ranked: Sequence[KnowledgeItem] = ()
    ) -> tuple[str, int] | None:
        """The theme a broad question is about ("what works for neglect?" -> neglect and parental needs), or
        None: the question must be close in meaning to the theme's name (``THEME_COSINE``) and at least as close
        to it as to its most relevant item (less ``THEME_MARGIN``), so a specific question is left alone.

        When several themes' names qualify, the one holding most of the question's best-ranked items
        (``THEME_VOTES``) is chosen, the name's closeness breaking ties: the sentence model reads "what works
        to stop kids coming into care?" as close to "children in care" as to "reducing the need for care", but
        the evidence the question finds (family group conferences, Family Valued, No Wrong Door) is in the
        second."""
        if self._theme_vectors is None:
            return None
        with blas.one_thread():
            sims = (self._theme_vectors @ meaning.vectors.T) * np.asarray(meaning.weights, dtype=np.float32)
        best = sims.max(axis=1)
        bar = max(THEME_COSINE, top_cosine - THEME_MARGIN)
        qualifying = np.flatnonzero(best >= bar)
        if qualifying.size == 0:
            return None
        votes = Counter(theme for item in ranked[:THEME_VOTES] for theme in item.themes)
        at = max(qualifying.tolist(), key=lambda i: (votes[self.themes[i][0]], float(best[i])))
        return self.themes[at]

    # --- answering -------------------------------------------------------------------------------------

    def answer(self, question: str, limit: int = 3, *, further: int = 0, several: bool = True) -> Answer:
        """Confident results (at most ``limit``), else suggestions, timed from the first character read.

        ``further`` asks for that many more ranked items after those shown (for a later "more"); ``several``:
        a message that asks several things may be answered question by question (``_several``), and one that
        leaves something out ("other than MST") is answered without it (``_leaving_out``)."""
        if several and self.semantic is not None:
            kept, leaving = left_out(question)
            if leaving and (left := self._leaving_out(question, kept, leaving, limit, further)) is not None:
                return left
        if self.semantic is None:
            return self.lexical.answer(
                question,
                limit,
                further=further,
                confident_score=self.confident_score,
                suggest_score=self.suggest_score,
            )
        started = time.perf_counter()
        q = self.read(question)
        ranking = Ranking([], frozenset(), frozenset())
        theme = None
        if q.analysis.terms and q.matched_text.strip():
            meaning = self._meaning(q)
            ranking = self._ranked(q, max(limit, 3) + 1 + further, meaning)
            theme = self.broad_theme(meaning, ranking.top_cosine, ranking.most_relevant)
        ranked = ranking.matches

        wanted = self.lexical.names.asked(q.matched_text, dict(q.analysis.corrections)) if ranked else ()

        def answers(m: Match) -> bool:
            # the item must also mention what the question names ("is Caring Dads any good?": ``programme_names``)
            return (
                m.score >= self.confident_score
                and m.item.id in ranking.decisive
                and self.lexical.names.mentioned(m.item, wanted)
            )

        # only the most relevant item can be the answer; others that qualify too are "see also"
        results = [m for m in ranked if answers(m)] if ranked and answers(ranked[0]) else []
        # near misses: a fair fused score, or words in common enough for the lexical engine to suggest
        suggestions = (
            [] if results else [m for m in ranked if m.score >= self.suggest_score or m.item.id in ranking.lexical_near]
        )
        answer = self.lexical.assemble(q, ranked, results, suggestions, limit, further, started)
        # not answered, and the closest item does not mention what the question names: say so
        if not results and wanted and ranked:
            answer = replace(answer, not_covered=self.lexical.names.missing(ranked[0].item, wanted))
        if several:
            answer = self._several(q, answer, limit, started) or answer
        return replace(answer, theme=theme) if theme else answer

    def _leaving_out(
        self, question: str, kept: str, leaving: tuple[str, ...], limit: int, further: int
    ) -> Answer | None:
        """ "edge of care options other than MST": the message without what it leaves out, and without the items
        that what it leaves out names (its confident answer), so MST is never the answer. None when what is left out
        names no item with confidence ("... but not risky", "emails that are not labelled"): the message is read
        whole."""
        started = time.perf_counter()
        dropped: set[str] = set()
        named_items: list[str] = []
        for phrase in leaving:
            named = self.answer(phrase, limit=1, several=False)
            top = named.results[:1]  # a name the base answers with confidence, not a property ("not labelled")
            if top:
                dropped.add(top[0].item.id)
                named_items.append(phrase)
        if not dropped:
            return None
        several = self.answer(kept, limit + len(dropped), further=further + limit)  # nothing left out in it now

        def kept_items(matches: tuple[Match, ...]) -> tuple[Match, ...]:
            return tuple(m for m in matches if m.item.id not in dropped)

        results, suggestions = kept_items(several.results)[:limit], kept_items(several.suggestions)
        if not results and several.results:  # only what was left out was sure: the next ones are near misses
            near = kept_items((*several.results, *several.suggestions, *several.further))
            suggestions = tuple(m for m in near if m.score >= self.suggest_score)
        return replace(
            several,
            question=question,
            results=results,
            suggestions=() if results else suggestions[:limit],
            further=kept_items(several.further)[:further],
            understood=(*several.understood, *(f"{phrase} → left out" for phrase in named_items)),
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    def _several(self, q: Question, whole: Answer, limit: int, started: float) -> Answer | None:
        """A message that asks several things ("is Signs of Safety evidence based? Or should we be looking at
        Family Safeguarding instead?", "1) CCE 2) NRM pilot") is also answered question by question.

        Answered as a whole, the questions its answer does not cover follow it, when they get confident answers
        of their own. Not answered as a whole, the confident answers of its questions are the answer, in the
        order asked, when at least two agree to be answered: two confident, or one confident and the others
        naming a programme the collection lacks (said so, ``not_covered``). A single question answered among
        others that are not is left as it is: the whole message was already weighed with it."""
        # answered as a whole, a message is split only where it says it asks several things (a list, "also"):
        # a chatty message with two question marks rarely asks two things the answer does not already cover
        parts = questions(q.matched_text, marked_only=bool(whole.results)) or compared(q.matched_text)
        if not parts:
            return None
        found: dict[str, Match] = {m.item.id: m for m in whole.results[:1]}
        understood = list(whole.understood)
        not_covered: list[str] = []
        unanswered = 0
        for part in parts:
            answer = self.answer(part, limit=1, several=False)
            top = answer.results[0] if answer.results else None
            if top is None:
                not_covered += answer.not_covered
                unanswered += not answer.not_covered
            elif top.item.id not in found:
                found[top.item.id] = top
                understood += answer.understood
        if whole.results:
            extra = [m for m in found.values() if m.item.id != whole.results[0].item.id]
            if not extra:
                return None
            shown = {m.item.id for m in extra}
            results = (whole.results[0], *extra, *(m for m in whole.results[1:] if m.item.id not in shown))
            return replace(
                whole, results=results[: max(limit, len(parts))], understood=tuple(dict.fromkeys(understood))
            )
        if len(found) < 2 and not (found and not_covered and not unanswered):
            return None
        return replace(
            whole,
            results=tuple(found.values())[: max(limit, len(parts))],
            suggestions=(),
            further=(),
            not_covered=tuple(dict.fromkeys(not_covered)),
            understood=tuple(dict.fromkeys(understood)),
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    def unknown_words(self, text: str) -> float:
        """How much of ``text`` the evidence base has never seen (``LexicalEngine.unknown_words``): "horses" is
        new to a base on children's social care, "under 10s" hardly."""
        return self.lexical.unknown_words(self.lexical.read(text))

    # --- explanations ----------------------------------------------------------------------------------

    def explain(self, q: Question, evaluation: Evaluation) -> tuple[str, ...]:
        """Why an evaluated item matched: the phrase it is close in meaning to, and what the words matched."""
        return self._explain(q, evaluation.closest, evaluation.lexical_match)

    def _explain(self, q: Question, closest: Closest, lexical_match: bool) -> tuple[str, ...]:
        reasons: list[str] = []
        item = self.items[closest.index]
        if closest.cosine >= EXPLAIN_COSINE:
            if closest.kind == QUESTION:
                reasons.append(f"close in meaning to the example question “{item.questions[closest.position]}”")
            elif closest.kind == TITLE:
                reasons.append(f"close in meaning to the title “{item.title}”")
            else:
                reasons.append("close in meaning to the summary")
        if lexical_match:
            why = self.lexical.explain_item(q, item.id)
            reasons += [r for r in why if not r.startswith("closest ") or not reasons]
        return tuple(reasons)
