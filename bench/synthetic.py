"""Synthetic knowledge bases for the scale run (1k, 10k, 100k items), deterministic for a given seed.

The point is realistic index statistics, not meaning: titles, questions and tags are built from UK
children's social care phrases, and most summary words are sampled from the shared benchmark items'
own text (with its natural, Zipf-like word frequencies). Each item is generated from its index alone,
so the 300 scale queries can be derived from any item without keeping 100k items in memory.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.datasets import Query, read_jsonl

SEED = 20240601

PHRASES = (
    "family group conferences", "child protection plans", "children in need", "looked after children",
    "care leavers", "section 47 enquiries", "section 20 accommodation", "special guardianship orders",
    "the public law outline", "multi-agency safeguarding hubs", "early help", "contextual safeguarding",
    "child sexual exploitation", "child criminal exploitation", "county lines", "domestic abuse",
    "parental substance misuse", "parental mental health", "neglect", "reflective supervision",
    "group supervision", "social worker caseloads", "workforce retention", "agency social workers",
    "the assessed and supported year in employment", "kinship care", "foster care",
    "residential children's homes", "reunification with birth families", "edge of care services",
    "family drug and alcohol courts", "multisystemic therapy", "functional family therapy",
    "signs of safety", "restorative practice", "motivational interviewing", "strengths-based practice",
    "the child's voice", "independent advocacy", "independent reviewing officers",
    "the local authority designated officer", "unaccompanied asylum-seeking children",
    "private fostering", "adoption support", "pre-proceedings work", "care proceedings",
    "evidence in family court", "parenting programmes", "home visits", "direct work with children",
    "life story work", "placement stability", "children missing from care", "youth justice",
    "school exclusion", "disabled children", "short breaks", "transitions to adulthood",
    "personal advisers", "staying put arrangements", "housing for care leavers", "poverty and neglect",
    "trauma-informed practice", "relationship-based practice", "peer support for parents",
    "family network meetings", "the Mockingbird model", "Lifelong Links", "professional curiosity",
    "thresholds for intervention", "contacts and referrals", "re-referrals", "timeliness of assessments",
    "chronologies", "case recording", "management oversight", "practice leadership",
    "evidence-informed practice", "partnership working with police", "health visitors",
    "designated safeguarding leads in schools", "virtual school heads", "online harms",
    "female genital mutilation", "forced marriage", "radicalisation and Prevent",
    "fabricated or induced illness", "sibling contact", "family time", "parental conflict",
    "engaging fathers", "racial disproportionality", "deprivation of liberty for children",
    "secure children's homes", "unregulated placements", "out-of-area placements", "corporate parenting",
)  # fmt: skip
OUTCOMES = (
    "children entering care", "re-referral rates", "placement breakdown", "school attendance",
    "staff turnover", "sickness absence", "decision quality", "time to permanence",
    "repeat child protection plans", "family reunification", "offending", "educational attainment",
    "emotional wellbeing", "caseload size", "court timeliness", "parental engagement",
)  # fmt: skip
GROUPS = (
    "teenagers", "babies", "under-fives", "disabled children", "siblings", "young carers", "care leavers",
    "newly qualified social workers", "team managers", "kinship carers", "foster carers", "birth parents",
    "fathers", "asylum-seeking young people", "families in poverty",
)  # fmt: skip
ACRONYMS = (
    "FGC", "CiN", "CP", "CPP", "LAC", "CLA", "PLO", "MASH", "s47", "s20", "SGO", "CSE", "CCE", "UASC",
    "ICPC", "RCPC", "IRO", "LADO", "ASYE", "FDAC", "MST", "FFT",
)  # fmt: skip
DESIGNS = ("randomised trial", "quasi-experimental study", "systematic review", "cohort study", "evaluation")
EFFECTS = ("a positive effect", "mixed effects", "no clear effect", "a small positive effect", "no effect")
CHAT_BEFORE = ("hi ", "hello, ", "hey can you tell me ", "quick question: ", "morning! ", "um ")
CHAT_AFTER = (" thanks", " please", " cheers", " ta", " thank you!", " asap")
_STOP = frozenset(
    ("the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "have", "has", "not", "but",
     "you", "your", "can", "will")
)  # fmt: skip
_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")


def word_pool(root: Path) -> tuple[list[str], list[str]]:
    """(all words, content words) from the shared items' titles and summaries, plus the phrases above."""
    text = [" ".join((*PHRASES, *OUTCOMES, *GROUPS))]
    for path in sorted(root.glob("*/items.jsonl")):
        text.extend(f"{row['title']} {row['summary']}" for row in read_jsonl(path))
    words = [w for w in _WORD.findall(" ".join(text).lower()) if 2 <= len(w) <= 20]
    content = [w for w in words if len(w) >= 4 and w.isalpha() and w not in _STOP]
    return words, content


def make_item(index: int, pool: tuple[list[str], list[str]], seed: int = SEED) -> dict[str, Any]:
    """Item number ``index``: id, title, ~60-word summary, 2-3 questions, 3-5 tags, one link."""
    words, content = pool
    rng = random.Random(f"{seed}:{index}")
    phrase, outcome, group = rng.choice(PHRASES), rng.choice(OUTCOMES), rng.choice(GROUPS)
    w1, w2, w3 = rng.sample(content, 3)
    item_id = f"syn-{index:06d}"
    title = rng.choice(
        (
            f"{phrase} and {outcome}: {w1} {w2}",
            f"{phrase} with {group} ({w1}, {w2})",
            f"{w1} {w2} in {phrase}",
        )
    )
    filler = " ".join(rng.choices(words, k=rng.randint(28, 36)))
    summary = (
        f"A {rng.choice(DESIGNS)} of {phrase} with {group} in {rng.randint(2, 40)} local authorities found "
        f"{rng.choice(EFFECTS)} on {outcome}. {filler.capitalize()}. Practitioners named {w1}, {w2} and "
        f"{w3} as what mattered most."
    )
    questions = [
        f"Does {phrase} help {group} with {outcome}?",
        f"What is the evidence on {phrase} and {w1} {w2}?",
        f"How well does {w1} {w3} work for {outcome}?",
    ][: rng.randint(2, 3)]
    tags = rng.sample([rng.choice(ACRONYMS), w1, w2, w3, outcome, group], rng.randint(3, 5))
    link = {"title": "Evidence summary", "url": f"https://example.org/evidence/{item_id}"}
    return {
        "id": item_id,
        "title": title[0].upper() + title[1:],
        "summary": summary,
        "links": [link],
        "questions": questions,
        "tags": tags,
    }


def items(count: int, pool: tuple[list[str], list[str]], seed: int = SEED) -> Iterator[dict[str, Any]]:
    """Items 0..count-1, one at a time."""
    return (make_item(i, pool, seed) for i in range(count))


def _typo(word: str, rng: random.Random) -> str:
    pos = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap two neighbours
        return word[: pos - 1] + word[pos] + word[pos - 1] + word[pos + 1 :]
    if kind == 1:  # drop a letter
        return word[:pos] + word[pos + 1 :]
    return word[:pos] + word[pos] + word[pos:]  # double a letter


def perturb(question: str, rng: random.Random) -> str:
    """A chat-like variant: maybe a dropped word, maybe one typo, maybe chat words (at least one change)."""
    tokens = question.rstrip("?").split()
    changed = False
    if len(tokens) >= 5 and rng.random() < 0.5:
        del tokens[rng.randrange(1, len(tokens))]
        changed = True
    long_words = [i for i, t in enumerate(tokens) if len(t) >= 5 and t.isalpha()]
    if long_words and rng.random() < 0.5:
        i = rng.choice(long_words)
        tokens[i] = _typo(tokens[i], rng)
        changed = True
    text = " ".join(tokens).lower() if rng.random() < 0.5 else " ".join(tokens) + "?"
    if not changed or rng.random() < 0.5:
        text = rng.choice(CHAT_BEFORE) + text + rng.choice(CHAT_AFTER)
    return text


def queries(count: int, pool: tuple[list[str], list[str]], n: int = 300, seed: int = SEED) -> list[Query]:
    """``n`` questions, each a perturbed ``questions:`` entry of a random item (its only relevant id)."""
    rng = random.Random(f"{seed}:queries:{count}")
    out = []
    for _ in range(n):
        item = make_item(rng.randrange(count), pool, seed)
        out.append(Query(perturb(rng.choice(item["questions"]), rng), (item["id"],)))
    return out
