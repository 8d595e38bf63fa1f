"""``python -m bench.calibrate``: fit the score's logistic model (``bot.matching.fusion``) and show its effect.

The 0-100 score is the calibrated chance that the engine's top item is the right answer. This script runs
the real engine over the shared public sets and two practitioner question sets (``FITTED``), records for
each question the top item's features (``fusion.FEATURES``) and whether it was right (out-of-scope questions:
never), and fits a logistic regression in which the practitioner questions weigh as much as the public sets
together (each public set alike, so no set's size decides). The harder and the colloquial practitioner sets
(``HELD_OUT``) are kept out of the fit and reported as held out, a later development set (``REPORTED``) as not
fitted; every practitioner set is also reported over a
sparse copy of the bundled base (``SPARSE_QUESTIONS`` example questions per item), to show what thin curation
costs. Paste the printed coefficients into ``bot/matching/fusion.py``; ``--check`` only reports figures with the
coefficients in use.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

from bench import datasets
from bot import load_glossary, load_knowledge
from bot.config import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE
from bot.matching import Engine, fusion

TESTS_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
FITTED = ("practitioner_questions.yaml", "practitioner_questions_fit.yaml")
HELD_OUT = ("practitioner_questions_hard.yaml", "practitioner_questions_colloquial.yaml")
REPORTED = ("practitioner_questions_fresh.yaml", "practitioner_questions_chat.yaml")
"""Development sets reported beside the others but not fitted on."""
L2 = 1e-3
SPARSE_QUESTIONS = 2
"""Example questions per item in the thinly curated copy of the bundled base that every practitioner set is also
read against, for the report only (not fitted): the bundled items carry seven or eight example questions, a base
written elsewhere may carry two, and the report shows what that costs. Fitting on the copy too was measured: it
answered a little more on the thin base and the public sets and rejected fewer out-of-scope questions on ours."""
SPARSE = " over a sparse copy (not fitted)"


def _cases_of(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(e["q"]), (e["expect"],) if e.get("expect") else ()) for e in data["questions"]]


def _observe(engine: Engine, cases: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of each question's top item, whether it is right, and whether the question is in scope."""
    rows, right, in_scope = [], [], []
    for question, relevant in cases:
        q = engine.read(question)
        top = engine.evaluate(q, 1) if q.analysis.terms and q.text.strip() else []
        rows.append(top[0].features if top else (0.0,) * len(fusion.FEATURES))
        right.append(bool(top) and bool(relevant) and engine.items[top[0].signals.index].id in relevant)
        in_scope.append(bool(relevant))
    return np.array(rows, dtype=np.float64), np.array(right, dtype=np.float64), np.array(in_scope, dtype=bool)


def fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted L2-regularised logistic regression by Newton's method; returns (coefficients..., intercept)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(xb.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(xb @ beta)))
        w = p * (1.0 - p) * weights
        hessian = xb.T @ (xb * w[:, None]) + L2 * np.eye(len(beta))
        step = np.linalg.solve(hessian, xb.T @ ((y - p) * weights) - L2 * beta)
        beta += step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def _figures(name: str, x: np.ndarray, right: np.ndarray, in_scope: np.ndarray, beta: np.ndarray, bar: float) -> str:
    z = np.hstack([x, np.ones((len(x), 1))]) @ beta
    lexical = np.sqrt(x[:, 2]) * 100.0
    enough = x[:, fusion.FEATURES.index("enough")] > 0.5
    close = np.array([fusion.decisive(c, lx, e) for c, lx, e in zip(x[:, 0], lexical, enough, strict=True)])
    answered = (100.0 / (1.0 + np.exp(-z)) >= bar) & close
    n_in = max(1, int(in_scope.sum()))
    acc = float((answered & (right == 1) & in_scope).sum()) / n_in
    rejected = float((~answered & in_scope).sum()) / n_in
    oos = (~in_scope).sum()
    oos_rej = float((~answered & ~in_scope).sum()) / oos if oos else math.nan
    hit1 = float((right == 1).sum()) / n_in
    wrong = 1 - acc - rejected
    return (
        f"{name:30s} hit@1 {hit1:.3f}  answer acc {acc:.3f}  wrong {wrong:.3f}  "
        f"false rej {rejected:.3f}  OOS rej {oos_rej:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calibrate", description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=None, metavar="DIR", help="benchmark root folder")
    parser.add_argument("--check", action="store_true", help="report with the coefficients in use; no fit")
    args = parser.parse_args(argv)
    glossary = load_glossary(DEFAULT_GLOSSARY)
    observed: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for folder in datasets.find_datasets((args.datasets or datasets.default_root()).resolve()):
        data = datasets.load_dataset(folder)
        with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
            datasets.write_knowledge(data.items, Path(tmp) / "knowledge")
            kb = load_knowledge(Path(tmp) / "knowledge")
        cases = [(q.q, q.relevant) for q in data.queries] + [(q.q, ()) for q in data.oos]
        observed[data.name] = _observe(Engine(kb.items, glossary), cases)
    items = load_knowledge(DEFAULT_KNOWLEDGE, exclude=[DEFAULT_GLOSSARY]).items
    bundled = Engine(items, glossary)
    sparse = Engine([replace(i, questions=i.questions[:SPARSE_QUESTIONS]) for i in items], glossary)
    for file in (*FITTED, *HELD_OUT, *REPORTED):
        observed[file] = _observe(bundled, _cases_of(TESTS_DATA / file))
        observed[file + SPARSE] = _observe(sparse, _cases_of(TESTS_DATA / file))
    not_fitted = [n for n in observed if n in HELD_OUT or n in REPORTED or n.endswith(SPARSE)]
    in_use = np.array([*fusion.COEFFICIENTS, fusion.INTERCEPT])
    if args.check:
        beta = in_use
    else:
        fitted = [name for name in observed if name not in not_fitted]
        x = np.vstack([observed[n][0] for n in fitted])
        y = np.concatenate([observed[n][1] for n in fitted])
        # the practitioner sets weigh as much as the public sets together (each practitioner question alike, each
        # public set alike): the product serves one domain, and the public sets keep the calibration general
        domain_size = sum(len(observed[n][1]) for n in FITTED)
        share = {
            n: (len(observed[n][1]) / domain_size if n in FITTED else 1.0 / (len(fitted) - len(FITTED))) for n in fitted
        }
        weights = np.concatenate(
            [np.full(len(observed[n][1]), 1000.0 * share[n] / len(observed[n][1])) for n in fitted]
        )
        beta = fit(x, y, weights)
        print("COEFFICIENTS = (" + ", ".join(f"{b:.3f}" for b in beta[:-1]) + ")")
        print(f"INTERCEPT = {beta[-1]:.3f}")
        print("features:", ", ".join(fusion.FEATURES))
    for bar in sorted({fusion.CONFIDENT_SCORE, 30.0, 35.0, 45.0, 50.0}):
        print(f"\nconfident at score >= {bar:.0f}:")
        for name, (x, right, in_scope) in observed.items():
            label = f"{name} (held out)" if name in HELD_OUT else f"{name} (not fitted)" if name in REPORTED else name
            print(_figures(label, x, right, in_scope, beta, bar))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
