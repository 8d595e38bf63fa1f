"""One 0-100 score from the lexical and the semantic signal, and how sure the bot can be of it.

Three numbers per item come in:
    lexical   the lexical engine's 0-100 score (words, glossary, typos, exact programme names)
    cosine    the semantic signal's best cosine between the question and the item's phrases (-1..1)
    closeness the mean cosine of the item's two closest phrases (``semantic.closeness``)

Ranking (which item is most relevant) uses
    relevance = closeness + LEXICAL_WEIGHT * (lexical / 100) ** 2
Meaning carries paraphrase and everyday wording; the lexical part is squared so that a few shared everyday
words add little while a strong lexical match (an acronym read through the glossary, a programme's name,
an item's own question) adds a lot.

The score shown to users is the calibrated chance that the top item is the right answer, from how the two
signals agree (a logistic model, ``COEFFICIENTS``, fitted by ``python -m bench.calibrate`` on the shared
public sets and two practitioner question sets, ``bench.calibrate.FITTED``; not on the held-out sets):
    x = (cosine, lift, (lexical/100)^2, lexical first, meaning first, enough, margin, meaning margin,
         unknown words, missing words)
      lift    the item's cosine minus the question's typical cosine with the base (ranks 5-10): how much
              the item stands out, which tells a near-domain question the base lacks from one it covers
      lexical first, meaning first
              1 when the item is first by that signal on its own (both: the signals agree)
      enough  1 when the words the item shares with the question say enough (``LexicalEngine.says_enough``)
      margin  the item's relevance minus that of the item ranked next below it (so the runner-up, for
              "see also" and "more", is judged as if the top item were not there)
      meaning margin
              the item's cosine minus the best cosine of any other item
              Both margins are measured in units of the base's spacing (``spacing_factor``): in a base of
              near-duplicate FAQs the right item leads by less than in a base of distinct evidence items, and
              a margin should mean the same in both.
      unknown words
              how much of the question (of a long message: its asking sentences, ``reading.asked``) the base
              has never seen (``LexicalEngine.unknown_words``, at most 3):
              "theraplay" or "DDP" in a question says it is about something the base does not cover, however
              close its meaning is to an item about another therapy
      missing words
              how much of what the question names the item lacks (``LexicalEngine.missing_words``, at most
              3): words the base knows but this item does not contain, weighted by how specific they are
              (of a long message, only its asking sentences count, as for unknown words)
    score = 100 * 1 / (1 + exp(-(w . x + b)))
A confident answer needs ``CONFIDENT_SCORE`` and one signal close on its own (``decisive``: a cosine of
``CLOSE_COSINE``, or a lexical score of ``LEXICAL_CLOSE`` with enough words in common), so relative
features (lift, margin) cannot carry a weak match in a small base; below it, items from ``SUGGEST_SCORE``
are "did you mean".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LEXICAL_WEIGHT = 0.5
CONFIDENT_SCORE = 45.0
SUGGEST_SCORE = 15.0
BACKGROUND_RANKS = (4, 10)
"""Ranks (0-based, end exclusive) of the items whose mean cosine is the question's background."""

FEATURES = (
    "cosine",
    "lift",
    "lexical²",
    "lexical first",
    "meaning first",
    "enough",
    "margin",
    "meaning margin",
    "unknown words",
    "missing words",
)
MAX_UNKNOWN = 3.0
REFERENCE_SPACING = 0.337
"""The bundled evidence base's spacing (``semantic.spacing``) when the coefficients were fitted."""
MAX_SPACING_FACTOR = 2.0
# Fitted by ``python -m bench.calibrate`` on 2026-12-07 over the public sets and the two fitted practitioner sets
# (practitioner_questions.yaml and practitioner_questions_fit.yaml) with the 121-item evidence base (seven or eight
# example questions per item), items ranked by closeness and margins measured in units of the base's spacing.
COEFFICIENTS = (5.410, 4.860, -2.864, 1.488, 0.214, 0.359, 10.465, -1.003, -0.653, -0.111)
INTERCEPT = -5.079
CLOSE_COSINE = 0.5
"""A confident answer also needs one signal to be close on its own: this cosine, or ``LEXICAL_CLOSE``."""
LEXICAL_CLOSE = 36.0


@dataclass(frozen=True, slots=True)
class Signals:
    """What both signals say about one item for one question."""

    index: int
    cosine: float
    """The best cosine of one of the item's phrases."""
    lexical: float
    """0-100."""
    enough: bool = False
    closeness: float | None = None
    """How close the item is in meaning (``semantic.closeness``); the best cosine when not given."""

    @property
    def relevance(self) -> float:
        return relevance(self.cosine if self.closeness is None else self.closeness, self.lexical)


def relevance(cosine: float, lexical: float) -> float:
    return cosine + LEXICAL_WEIGHT * (lexical / 100.0) ** 2


def spacing_factor(spacing: float | None) -> float:
    """What margins are multiplied by: the reference spacing over this base's (``semantic.spacing``), so a
    base whose items sit closer together than the bundled base's counts its margins for more."""
    if spacing is None or spacing <= 0.0:
        return 1.0
    return min(MAX_SPACING_FACTOR, max(1.0 / MAX_SPACING_FACTOR, REFERENCE_SPACING / spacing))


def background(cosines: Sequence[float]) -> float:
    """The question's typical cosine with the base: the mean of ranks 5-10 (fewer for a small base)."""
    ordered = sorted(cosines, reverse=True)
    start, end = BACKGROUND_RANKS
    tail = ordered[start:end] or ordered[1:] or [0.0]
    return sum(tail) / len(tail)


def features(
    item: Signals,
    below: float,
    lexical_first: bool,
    meaning_first: bool,
    typical: float,
    best_other_cosine: float,
    unknown: float,
    spacing: float = 1.0,
    missing: float = 0.0,
) -> tuple[float, ...]:
    """The score's inputs, in the order of ``FEATURES`` and ``COEFFICIENTS``; ``spacing`` is the base's
    ``spacing_factor``."""
    return (
        item.cosine,
        item.cosine - typical,
        (item.lexical / 100.0) ** 2,
        1.0 if lexical_first else 0.0,
        1.0 if meaning_first else 0.0,
        1.0 if item.enough else 0.0,
        (item.relevance - below) * spacing,
        (item.cosine - best_other_cosine) * spacing,
        min(unknown, MAX_UNKNOWN),
        min(missing, MAX_UNKNOWN),
    )


def score(x: Sequence[float]) -> float:
    """The 0-100 score: calibrated chance, in per cent, that this item is the right answer."""
    z = INTERCEPT + sum(w * v for w, v in zip(COEFFICIENTS, x, strict=True))
    return round(100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))), 1)


def decisive(cosine: float, lexical: float, enough: bool) -> bool:
    """Whether one signal is close on its own: the meaning, or the words (with enough of them shared)."""
    return cosine >= CLOSE_COSINE or (lexical >= LEXICAL_CLOSE and enough)
