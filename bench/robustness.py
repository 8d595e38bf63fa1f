"""How the engine holds up when the same practitioner questions are typed the way people type in chat.

Each practitioner question set is asked again, reworded mechanically (``VARIANTS``): without punctuation or
capitals, with typos, wrapped in a greeting and thanks, after a sentence of case details, and after the name of
the asker's council. Nothing here was written for a particular question, so a drop from "as written" shows a kind
of wording the engine reads badly. ``python -m bench`` prints the table; ``python -m bench.robustness`` prints it alone.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

SEED = 7
TYPO_SHARE = 0.25
"""Share of the words of five letters or more that get two neighbouring letters swapped."""
CASE_DETAILS = "I've got a 14 year old on a CP plan, mum is really struggling and school are worried."
COUNCILS = ("Wrexham", "Hartlepool", "Conwy", "Knowsley", "Ceredigion", "Medway", "Torfaen", "Calderdale")
"""Where the asker works, named before the question ("we're in Conwy - ..."): councils of England and Wales."""


def _typos(question: str, rng: random.Random) -> str:
    words = question.split()
    for n, word in enumerate(words):
        if len(word) >= 5 and rng.random() < TYPO_SHARE:
            at = rng.randrange(1, len(word) - 2)
            words[n] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


VARIANTS: dict[str, Callable[[str, random.Random], str]] = {
    "as written": lambda q, rng: q,
    "no punctuation or capitals": lambda q, rng: " ".join(
        re.sub(r"[^\w\s'-]|(?<!\w)-|-(?!\w)", " ", q).lower().split()
    ),
    "typos": _typos,
    "greeting and thanks": lambda q, rng: f"Hi all, quick one - {q} Thanks in advance!",
    "case details first": lambda q, rng: f"{CASE_DETAILS} {q}",
    "council named": lambda q, rng: f"we're in {rng.choice(COUNCILS)} - {q}",
}


@dataclass(frozen=True, slots=True)
class RobustRow:
    """One way of rewording, over every question of the sets read."""

    variant: str
    in_scope: int
    out_of_scope: int
    answered: float
    """Share of in-scope questions answered with the right item."""
    wrong: float
    """Share of in-scope questions answered with another item."""
    oos_rejected: float
    suggested: float = 0.0
    """Share of in-scope questions not answered whose right item was among the first ``SHOWN`` "did you mean"."""


SHOWN = 3
Reply = tuple[str | None, tuple[str, ...]]
"""The answered item's id (or None) and the ids offered as "did you mean"."""


def measure(answer: Callable[[str], Reply], cases: Sequence[tuple[str, tuple[str, ...]]]) -> list[RobustRow]:
    """Every variant of every case through ``answer``."""
    rows = []
    for name, reword in VARIANTS.items():
        rng = random.Random(SEED)
        right = wrong = rejected = suggested = 0
        in_scope = [c for c in cases if c[1]]
        out_of_scope = [c for c in cases if not c[1]]
        for question, relevant in in_scope:
            top, offered = answer(reword(question, rng))
            right += top in relevant
            wrong += top is not None and top not in relevant
            suggested += top is None and any(item in relevant for item in offered[:SHOWN])
        for question, _ in out_of_scope:
            rejected += answer(reword(question, rng))[0] is None
        rows.append(
            RobustRow(
                name,
                len(in_scope),
                len(out_of_scope),
                right / max(1, len(in_scope)),
                wrong / max(1, len(in_scope)),
                rejected / max(1, len(out_of_scope)),
                suggested / max(1, len(in_scope)),
            )
        )
    return rows


def practitioner_cases(folder: Path, names: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(question, relevant ids) of the named practitioner sets, in order."""
    cases: list[tuple[str, tuple[str, ...]]] = []
    for name in names:
        data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        cases += [(str(e["q"]), (e["expect"],) if e.get("expect") else ()) for e in data["questions"]]
    return cases


def bundled_rows(folder: Path, names: Sequence[str]) -> list[RobustRow]:
    """The table for the bundled evidence base and the named practitioner sets."""
    from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, open_library

    engine = open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY).engine

    def answer(question: str) -> Reply:
        reply = engine.answer(question)
        return (reply.results[0].item.id if reply.results else None, tuple(m.item.id for m in reply.suggestions))

    return measure(answer, practitioner_cases(folder, names))


def main() -> int:
    from bench.__main__ import PRACTITIONER_SETS, PROJECT

    for row in bundled_rows(PROJECT / "tests" / "data", PRACTITIONER_SETS):
        print(
            f"{row.variant:28s} answered {row.answered:.3f}  wrong {row.wrong:.3f}  OOS rej {row.oos_rejected:.3f}"
            f"  right in did-you-mean {row.suggested:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
