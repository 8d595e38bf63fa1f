"""``python -m bench``: engine vs BM25 on the shared FAQ sets, a scale run, and PASS/FAIL per target.

Every measurement runs in a fresh subprocess (``python -m bench --worker ...``) that loads the knowledge
files, answers the questions and reports its own start-up time and peak resident memory, so one run
cannot inflate another's figures. The parent writes the YAML files, scores the returned ids and prints.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import datasets, robustness, synthetic
from bench.metrics import Row, ScaleRow, Target, Timing, dataset_row, scale_row, targets

QUICK_LIMIT = 300
SCALE_SIZES = (1_000, 10_000, 100_000)
"""100k items take hours to embed cold on 2 cores; ``--sizes 1000,10000`` for a shorter run."""
SLOW_LOAD_S = 120.0
LOAD_SECTION = "<!-- load:start -->"


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark the engine against BM25: quality, latency, start-up, memory."
    )
    parser.add_argument("--datasets", type=Path, default=None, metavar="DIR", help="benchmark root folder")
    parser.add_argument("--only", metavar="NAME", help="run one shared dataset (folder name)")
    parser.add_argument("--no-scale", action="store_true", help="skip the synthetic scale run")
    parser.add_argument("--quick", action="store_true", help=f"no scale run, at most {QUICK_LIMIT} queries each")
    parser.add_argument("--sizes", type=_sizes, default=SCALE_SIZES, help="scale run sizes, e.g. 1000,10000")
    parser.add_argument("--write", type=Path, metavar="PATH", help="also write the tables as Markdown")
    parser.add_argument("--worker", choices=("engine", "bm25", "minilm"), help=argparse.SUPPRESS)
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- measuring subprocess ----------------------------------------------------------------------------


def _peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def _engine_worker(job: dict[str, Any]) -> dict[str, Any]:
    """Load through the bot's real loader, time ``answer`` per question, then collect ``rank`` lists."""
    t0 = time.perf_counter()
    from bot import Engine, load_glossary, load_knowledge
    from bot.config import DEFAULT_GLOSSARY

    t1 = time.perf_counter()
    kb = load_knowledge(Path(job["knowledge"]))
    t2 = time.perf_counter()
    cache = Path(job["cache"]) if job.get("cache") else None
    engine = Engine(kb.items, load_glossary(DEFAULT_GLOSSARY), vector_cache=cache)
    t3 = time.perf_counter()
    embedded = engine.semantic.embedded if engine.semantic else 0
    latency_ms: list[float] = []
    cpu_ms: list[float] = []
    top: list[str | None] = []
    for question in job["questions"]:  # answers first, so no question is warmed up by a rank call
        cpu, start = time.thread_time(), time.perf_counter()
        answer = engine.answer(question, limit=5)
        latency_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        top.append(answer.results[0].item.id if answer.results else None)
    ranked = [[m.item.id for m in engine.rank(q, limit=5)] for q in job["questions"]] if job["rank"] else []
    return {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "startup_s": t3 - t1,
        "embedded": embedded,
        "items": len(kb.items),
        "latency_ms": latency_ms,
        "cpu_ms": cpu_ms,
        "top": top,
        "ranked": ranked,
    }


def _worker(kind: str, job_path: Path) -> int:
    job = json.loads(job_path.read_text(encoding="utf-8"))
    if kind == "engine":
        result = _engine_worker(job)
    elif kind == "minilm":
        from bench import minilm_baseline

        result = minilm_baseline.measure(Path(job["knowledge"]), job["questions"], job["tune"])
    else:
        from bench import bm25_baseline

        result = bm25_baseline.measure(Path(job["knowledge"]), job["questions"], job["tune"])
    result["peak_mb"] = _peak_mb()
    Path(job["out"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


def _spawn(kind: str, workdir: Path, job: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one measuring subprocess; returns its payload, or ``{"error": ...}`` if it failed."""
    job_path, out = workdir / f"job-{kind}.json", workdir / f"out-{kind}.json"
    job_path.write_text(json.dumps({**job, "out": str(out)}), encoding="utf-8")
    cmd = [sys.executable, "-m", "bench", "--worker", kind, "--job", str(job_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    payload: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return payload


# --- runs ----------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _dataset_rows(folder: Path, tune: list[str], quick: bool) -> list[Row]:
    """Engine and BM25 rows for one shared dataset."""
    data = datasets.load_dataset(folder)
    in_scope = datasets.subsample(data.queries, QUICK_LIMIT) if quick else data.queries
    oos = datasets.subsample(data.oos, QUICK_LIMIT) if quick else data.oos
    questions = [q.q for q in (*in_scope, *oos)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        datasets.write_knowledge(data.items, workdir / "knowledge")
        for system in ("engine", "minilm", "bm25"):
            _log(f"{data.name}: {system} on {len(data.items)} items, {len(in_scope)}+{len(oos)} questions")
            job = {
                "knowledge": str(workdir / "knowledge"),
                "questions": questions,
                "tune": tune,
                "rank": True,
                "cache": str(workdir / "vectors"),
            }
            if system == "engine":  # fill the vector cache first: the measured run starts warm
                _spawn(system, workdir, {**job, "questions": questions[:1], "rank": False}, timeout=900)
            payload = _spawn(system, workdir, job, timeout=900)
            rows.append(dataset_row(data.name, system, len(data.items), in_scope, oos, payload))
    return rows


PRACTITIONER_SETS = (
    "practitioner_questions.yaml",
    "practitioner_questions_fit.yaml",
    "practitioner_questions_hard.yaml",
    "practitioner_questions_colloquial.yaml",
    "practitioner_questions_fresh.yaml",
    "practitioner_questions_chat.yaml",
)
PROJECT = Path(__file__).resolve().parents[1]


def _practitioner_rows(tune: list[str]) -> list[Row]:
    """The engine and the model alone on the practitioner question sets over the bundled evidence."""
    import yaml

    rows = []
    items = len(list((PROJECT / "knowledge" / "items").rglob("*.yaml")))
    for name in PRACTITIONER_SETS:
        data = yaml.safe_load((PROJECT / "tests" / "data" / name).read_text(encoding="utf-8"))
        cases = [datasets.Query(str(e["q"]), (e["expect"],) if e.get("expect") else ()) for e in data["questions"]]
        in_scope = [c for c in cases if c.relevant]
        oos = [c for c in cases if not c.relevant]
        with tempfile.TemporaryDirectory(prefix="bench-practitioner-") as tmp:
            workdir = Path(tmp)
            for system in ("engine", "minilm"):
                _log(f"{name}: {system} on the bundled evidence, {len(in_scope)}+{len(oos)} questions")
                job = {
                    "knowledge": str(PROJECT / "knowledge" / "items"),
                    "questions": [c.q for c in (*in_scope, *oos)],
                    "tune": tune,
                    "rank": True,
                    "cache": str(workdir / "vectors"),
                }
                payload = _spawn(system, workdir, job, timeout=900)
                rows.append(dataset_row(name.removesuffix(".yaml"), system, items, in_scope, oos, payload))
    return rows


def _scale_row(size: int, pool: tuple[list[str], list[str]]) -> ScaleRow:
    """Write ``size`` synthetic items, then measure the engine on them in a fresh subprocess."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        workdir = Path(tmp)
        start = time.perf_counter()
        datasets.write_knowledge(synthetic.items(size, pool), workdir / "knowledge")
        _log(f"scale {size}: wrote {size} YAML files in {time.perf_counter() - start:.1f} s; measuring")
        queries = synthetic.queries(size, pool)
        job = {
            "knowledge": str(workdir / "knowledge"),
            "questions": [q.q for q in queries],
            "rank": False,
            "cache": str(workdir / "vectors"),
        }
        cold = _spawn("engine", workdir, {**job, "questions": [queries[0].q]}, timeout=7200)
        _log(f"scale {size}: cold start-up (embedding) {cold.get('startup_s', float('nan')):.1f} s; warm run")
        payload = _spawn("engine", workdir, job, timeout=1800)
    row = scale_row(size, queries, payload)
    row.cold_s = cold.get("startup_s")
    if "error" in cold:
        row.notes.append(f"cold run: {cold['error']}")
    if row.load_s is not None and row.load_s > SLOW_LOAD_S:
        row.notes.append(f"loading {size} files took {row.load_s:.0f} s (over {SLOW_LOAD_S:.0f} s)")
    return row


# --- output ------------------------------------------------------------------------------------------

HEADERS: tuple[str, ...] = (
    "dataset",
    "system",
    "items",
    "queries",
    "hit@1",
    "MRR@5",
    "answer acc",
    "wrong",
    "false rej",
)
HEADERS += ("OOS rej", "p50 ms", "p95 ms", "start-up s", "peak MB")
SCALE_HEADERS = (
    "items",
    "queries",
    "load s",
    "cold start-up s",
    "warm start-up s",
    "peak MB",
    "p50 ms",
    "p95 ms",
    "top-1 right",
    "answered",
)


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _row_cells(r: Row) -> list[str]:
    q, t = r.quality, r.timing
    head = [r.dataset, r.system, str(r.items), f"{r.n_in}+{r.n_oos}"]
    if q is None or t is None:
        return [*head, *["error"] + ["-"] * (len(HEADERS) - len(head) - 1)]
    fractions = [q.hit1, q.mrr5, q.answer_acc, q.wrong, q.false_rej, q.oos_rej]
    timings = [_num(t.p50_ms), _num(t.p95_ms), _num(t.startup_s), _num(t.peak_mb, 1)]
    return [*head, *map(_num, fractions), *timings]


ROBUST_HEADERS = ("rewording", "answer acc", "wrong", "false rej", "right in did-you-mean", "OOS rej")


def _robust_cells(r: robustness.RobustRow) -> list[str]:
    rejected = 1.0 - r.answered - r.wrong
    return [r.variant, _num(r.answered), _num(r.wrong), _num(rejected), _num(r.suggested), _num(r.oos_rejected)]


def _scale_cells(r: ScaleRow) -> list[str]:
    t = r.timing
    if t is None:
        return [str(r.items), str(r.queries), "error", *["-"] * (len(SCALE_HEADERS) - 3)]
    times = [_num(r.load_s, 2), _num(r.cold_s, 2), _num(t.startup_s, 2), _num(t.peak_mb, 1)]
    times += [_num(t.p50_ms), _num(t.p95_ms)]
    return [str(r.items), str(r.queries), *times, _num(r.top1), _num(r.answered)]


def _table(headers: tuple[str, ...], rows: list[list[str]], markdown: bool, left: int = 0) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" if i < left else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*headers), fmt.format(*("-" * w for w in widths)), *(fmt.format(*r) for r in rows)])


def _busy(label: str, t: Timing | None) -> list[str]:
    """A note when wall-clock p95 is well above CPU p95: the process was waiting for a busy CPU."""
    if t is None or math.isnan(t.p95_cpu_ms) or t.p95_ms <= 1.25 * t.p95_cpu_ms + 0.05:
        return []
    return [f"{label}: p95 {t.p95_ms:.3f} ms wall-clock but {t.p95_cpu_ms:.3f} ms CPU: the machine was busy"]


def _machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")]
        model = f" ({names[0]})" if names else ""
    return f"nproc {cpus}{model}, Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def render(
    rows: list[Row],
    scale: list[ScaleRow],
    lines: list[Target],
    command: str,
    elapsed: float,
    load: tuple[float, float],
    markdown: bool,
    reworded: Sequence[robustness.RobustRow] = (),
) -> str:
    """The whole report as plain text (stdout) or Markdown (``--write``)."""
    h = "## " if markdown else ""
    item = "- " if markdown else "  "
    out = [f"{'# ' if markdown else ''}Benchmark results", ""]
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    out += [f"{item}date: {stamp}", f"{item}machine: {_machine()}", f"{item}command: `{command}`"]
    out += [f"{item}wall time: {elapsed:.0f} s; load average {load[0]:.2f} at start, {load[1]:.2f} at end", ""]
    if rows:
        out += [
            f"{h}Shared datasets (engine vs the sentence model alone and BM25)",
            "",
            _table(HEADERS, [_row_cells(r) for r in rows], markdown, left=2),
        ]
        notes = [f"{r.dataset} {r.system}: {n}" for r in rows for n in ([r.error] if r.error else []) + r.notes]
        notes += [n for r in rows for n in _busy(f"{r.dataset} {r.system}", r.timing)]
        notes += [
            f"{r.system} threshold on {r.dataset}: top score > {r.threshold:.2f}"
            for r in rows
            if r.threshold is not None
        ]
        out += ["", *(f"{item}{n}" for n in notes), ""]
    if reworded:
        first = reworded[0]
        out += [
            f"{h}Practitioner questions reworded the way people type in chat (bundled evidence; the "
            f"{len(PRACTITIONER_SETS)} sets together, {first.in_scope}+{first.out_of_scope} questions; "
            "`bench/robustness.py`)",
            "",
            _table(ROBUST_HEADERS, [_robust_cells(r) for r in reworded], markdown, left=1),
            "",
        ]
    if scale:
        out += [
            f"{h}Scale (synthetic knowledge, engine only; cold = embedding and reading every item, "
            "warm = vectors, centroids and lexical index entries cached)",
            "",
        ]
        out += [_table(SCALE_HEADERS, [_scale_cells(r) for r in scale], markdown), ""]
        notes = [f"{r.items} items: {n}" for r in scale for n in ([r.error] if r.error else []) + r.notes]
        notes += [n for r in scale for n in _busy(f"{r.items} items", r.timing)]
        out += [*(f"{item}{n}" for n in notes), ""] if notes else []
    out += [f"{h}Targets", ""]
    out += [f"{item}{'**' + t.status + '**' if markdown else t.status:<4}  {t.label}: {t.detail}" for t in lines]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run everything asked for, print the tables and target lines; exit 1 if a measurement crashed."""
    args = _parse(argv)
    if args.worker:
        return _worker(args.worker, args.job)
    # A terminated run raises SystemExit, so temporary folders are removed and the worker is killed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    root = (args.datasets or datasets.default_root()).resolve()
    tune = datasets.load_tune_oos(root)
    rows: list[Row] = []
    for folder in datasets.find_datasets(root, args.only):
        rows.extend(_dataset_rows(folder, tune, args.quick))
    practitioner = [] if args.only else _practitioner_rows(tune)
    scale: list[ScaleRow] = []
    if not (args.quick or args.no_scale):
        pool = synthetic.word_pool(root)
        scale = [_scale_row(size, pool) for size in args.sizes]
    reworded: list[robustness.RobustRow] = []
    if not (args.only or args.quick):
        # last, in this process: a measuring subprocess started after it would report this process's memory
        # as its own peak (Linux keeps the high-water mark across fork and exec)
        _log("practitioner questions reworded the way people type in chat (bench.robustness)")
        reworded = robustness.bundled_rows(PROJECT / "tests" / "data", PRACTITIONER_SETS)
    elapsed = time.perf_counter() - started
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    lines = targets(rows, scale, scale_run=bool(scale), practitioner=practitioner)
    rows = rows + practitioner
    load = (load_start, os.getloadavg()[0])
    print(render(rows, scale, lines, command, elapsed, load, markdown=False, reworded=reworded), end="")
    if args.write:
        text = render(rows, scale, lines, command, elapsed, load, markdown=True, reworded=reworded)
        previous = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        if LOAD_SECTION in previous:  # keep the load benchmark's figures (python -m bench.load --write)
            text = text.rstrip() + "\n\n" + previous[previous.index(LOAD_SECTION) :]
        args.write.write_text(text, encoding="utf-8")
        _log(f"wrote {args.write}")
    crashed = any(r.error for r in rows) or any(s.error for s in scale)
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
