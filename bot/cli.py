"""Command line: ``python -m bot [chat|ask|validate|coverage|stale|links|gaps|stats] ...``.

Library code raises ``BotError``; this is the only place that turns one into a message and an exit status
(2, one clear line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.config import DEFAULT_GLOSSARY, Settings
from bot.conversation import Conversation
from bot.errors import BotError, DataFileError, KnowledgeError
from bot.insights import Gap, Stats, SurfaceStats, gaps, stats
from bot.library import Library, open_library
from bot.lint import lint
from bot.logs import configure_logging
from bot.reports import coverage, stale_items
from bot.store import open_store

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot", description="Evidence lookup for children's social care.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def knowledge_options(p: argparse.ArgumentParser, positional: bool = False) -> None:
        if positional:
            p.add_argument(
                "directory",
                nargs="?",
                type=Path,
                help="knowledge directory (default: BOT_KNOWLEDGE_DIR or the bundled knowledge/)",
            )
        else:
            p.add_argument(
                "--knowledge",
                type=Path,
                metavar="DIR",
                help="knowledge directory (default: BOT_KNOWLEDGE_DIR or the bundled knowledge/)",
            )
        p.add_argument(
            "--glossary",
            type=Path,
            metavar="FILE",
            help="glossary file (default: BOT_GLOSSARY or the bundled glossary)",
        )

    chat = sub.add_parser("chat", help="chat in the terminal (the default)")
    knowledge_options(chat)
    ask = sub.add_parser("ask", help="answer one question, or one per stdin line with '-'")
    knowledge_options(ask)
    ask.add_argument("--limit", type=_positive_int, metavar="K", help="most results per question (default 3)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question (see README)")
    ask.add_argument("question", help="the question, or '-' to read one question per line from stdin")
    validate = sub.add_parser("validate", help="check a knowledge directory; exit 1 on errors")
    knowledge_options(validate, positional=True)
    cov = sub.add_parser("coverage", help="items per theme, strength and effect; review status; glossary size")
    knowledge_options(cov, positional=True)
    stale = sub.add_parser("stale", help="items whose review is due (never reviewed or older than 12 months)")
    knowledge_options(stale, positional=True)
    links = sub.add_parser(
        "links", help="check every item's links: broken, redirected elsewhere, not HTTPS; exit 1 if any is broken"
    )
    links.add_argument("--knowledge", type=Path, metavar="DIR", help="knowledge directory (default: the bundled one)")
    links.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    links.add_argument("--timeout", type=_seconds, default=15.0, metavar="S", help="seconds per request (15)")
    links.add_argument("--retries", type=int, choices=range(6), default=2, metavar="N", help="retries (2)")
    links.add_argument("--concurrency", type=_positive_int, default=8, metavar="N", help="links at once (8)")

    def store_options(p: argparse.ArgumentParser) -> None:
        knowledge_options(p)
        p.add_argument("--database", metavar="URL", help="the store (default: BOT_DATABASE_URL)")
        p.add_argument(
            "--since",
            type=_since,
            metavar="WHEN",
            help="only rows since a date (2026-11-01) or a period ago (30d, 8w)",
        )
        p.add_argument("--json", action="store_true", help="one JSON document instead of tables")

    gap = sub.add_parser("gaps", help="questions the evidence could not answer, grouped, with the nearest item")
    store_options(gap)
    gap.add_argument("--csv", action="store_true", help="CSV rows instead of a table")
    usage = sub.add_parser("stats", help="questions per week, answer and helpful rates, top items, per surface")
    store_options(usage)
    digest = sub.add_parser("digest", help="what was added or re-reviewed and the top gaps (default: last 7 days)")
    store_options(digest)
    return parser


def _since(value: str) -> dt.datetime:
    """A date (2026-11-01) or a period back from now (30d, 8w)."""
    period = re.fullmatch(r"(\d{1,4})\s*([dw])", value.strip().lower())
    if period:
        days = int(period.group(1)) * (7 if period.group(2) == "w" else 1)
        return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date like 2026-11-01 or a period like 30d, got {value!r}"
        ) from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not 0 < number <= 300:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 300")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if not 1 <= number <= 100:
        raise argparse.ArgumentTypeError("must be between 1 and 100")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "chat"
    try:
        settings = Settings.from_env(
            knowledge_dir=getattr(args, "knowledge", None) or getattr(args, "directory", None),
            glossary_path=getattr(args, "glossary", None),
            limit=getattr(args, "limit", None),
            database_url=getattr(args, "database", None),
        )
        configure_logging(settings.log_level, settings.log_format)
        if command == "validate":
            return _validate(settings)
        if command == "links":
            return _links(settings, args)
        library = _open(settings)
        if command == "ask":
            return _ask(library, settings, args.question, as_json=args.json)
        if command == "coverage":
            return _coverage(library)
        if command == "stale":
            return _stale(library)
        if command == "digest":
            return _digest(library, settings, args)
        if command in ("gaps", "stats"):
            return _insights(command, library, settings, args)
        return _chat(library, settings)
    except DataFileError as exc:
        first = exc.problems[0]
        more = (
            f" (and {len(exc.problems) - 1} more problems: run 'python -m bot validate')"
            if len(exc.problems) > 1
            else ""
        )
        print(f"error: {first}{more}", file=sys.stderr)
        return EXIT_USAGE
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _chat(library: Library, settings: Settings) -> int:
    """The console chat, recording questions and feedback in the store like every other surface."""
    from bot.console import run_console
    from bot.runtime import Runtime

    store = open_store(settings.database_url, salt=settings.hash_salt, retention_days=settings.retention_days)
    runtime = Runtime(settings, library, store)
    try:
        return run_console(runtime.conversation)
    finally:
        runtime.close()


def _open(settings: Settings) -> Library:
    glossary = (
        settings.glossary_path
        if settings.glossary_path.exists() or settings.glossary_path != DEFAULT_GLOSSARY
        else None
    )
    return open_library(
        settings.knowledge_dir,
        glossary,
        confident_score=settings.confident_score,
        suggest_score=settings.suggest_score,
    )


def _ask(library: Library, settings: Settings, question: str, *, as_json: bool) -> int:
    questions = (line.rstrip("\r\n") for line in sys.stdin) if question == "-" else iter([question])
    conversation = Conversation(library.engine, research_lead=settings.research_lead, limit=settings.limit)
    from bot.render import reply_text

    for text in questions:
        if as_json:
            answer = library.engine.answer(text, limit=settings.limit)
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(
                reply_text(conversation.ask(library.engine, text, user="cli", surface="cli")),
                end="\n\n",
                flush=True,
            )
    return EXIT_OK


def _validate(settings: Settings) -> int:
    out = Console(highlight=False, soft_wrap=True)
    try:
        library = _open(settings)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(f"{problem}", file=sys.stderr)
        print(f"{len(exc.problems)} error(s) in {settings.knowledge_dir}", file=sys.stderr)
        return EXIT_PROBLEMS
    warnings = lint(library.kb, library.engine)
    for warning in warnings:
        out.print(str(warning), markup=False)
    out.print(
        f"ok: {len(library.kb.items)} items, {len(library.glossary)} glossary terms, {len(warnings)} warning(s)",
        markup=False,
    )
    return EXIT_OK


def _coverage(library: Library) -> int:
    report = coverage(library.kb, library.glossary)
    out = Console(highlight=False)
    out.print(
        f"[bold]{report.items} items[/], {report.glossary_terms} glossary terms, "
        f"{report.stale} stale (reviewed over 12 months ago), {report.unreviewed} never reviewed, "
        f"{report.without_questions} without example questions"
    )
    for title, rows in (("Theme", report.themes), ("Strength", report.strengths), ("Effect", report.effects)):
        table = Table(title=None, show_edge=False)
        table.add_column(title)
        table.add_column("Items", justify="right")
        for name, count in rows:
            table.add_row(name, str(count))
        out.print(table)
    return EXIT_OK


def _stale(library: Library) -> int:
    due = stale_items(library.kb)
    out = Console(highlight=False)
    if not due:
        out.print("No items are due for review.")
        return EXIT_OK
    table = Table(show_edge=False)
    for column in ("Reviewed", "Item", "File"):
        table.add_column(column)
    today = dt.date.today()
    for item in due:
        when = item.reviewed.isoformat() if item.reviewed else "never"
        table.add_row(when, item.title, item.path)
    out.print(f"{len(due)} item(s) due for review on {today.isoformat()}:")
    out.print(table)
    return EXIT_OK


def _links(settings: Settings, args: argparse.Namespace) -> int:
    """Check every link; a table (or --json) of what needs attention; exit 1 if any link is broken."""
    from bot.knowledge import load_knowledge
    from bot.links import LinkChecker, check_knowledge_links, summary_line, table_rows

    kb = load_knowledge(settings.knowledge_dir)
    checker = LinkChecker(timeout=args.timeout, retries=args.retries, concurrency=args.concurrency)
    report = check_knowledge_links(kb, checker)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        out = Console(highlight=False, soft_wrap=True)
        rows = table_rows(report)
        if rows:
            table = Table(show_edge=False, show_lines=True)
            for column in ("Outcome", "Link", "What happened", "Used in"):
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))
            out.print(table)
        out.print(summary_line(report), markup=False)
    return EXIT_PROBLEMS if report.broken else EXIT_OK


def _insights(command: str, library: Library, settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings.database_url, salt=settings.hash_salt, retention_days=settings.retention_days)
    try:
        if command == "gaps":
            found = gaps(store, library.engine, since=args.since)
            if args.json:
                print(json.dumps([g.to_json() for g in found], ensure_ascii=False, indent=2))
            elif args.csv:
                _gaps_csv(found)
            else:
                _gaps_table(found)
        else:
            usage = stats(store, since=args.since)
            if args.json:
                print(json.dumps(usage.to_json(), ensure_ascii=False, indent=2))
            else:
                _stats_tables(usage)
    finally:
        store.close()
    return EXIT_OK


def _digest(library: Library, settings: Settings, args: argparse.Namespace) -> int:
    from bot.digest import build_digest, digest_text

    store = open_store(settings.database_url, salt=settings.hash_salt, retention_days=settings.retention_days)
    try:
        digest = build_digest(library.kb, store, library.engine, since=args.since)
    finally:
        store.close()
    print(json.dumps(digest.to_json(), ensure_ascii=False, indent=2) if args.json else digest_text(digest))
    return EXIT_OK


def _gaps_table(found: list[Gap]) -> None:
    out = Console(highlight=False)
    if not found:
        out.print("No gaps recorded: every stored question was answered confidently and nobody said otherwise.")
        return
    out.print(f"[bold]{len(found)} gap(s)[/], biggest first. Example phrasings are stored redacted.")
    table = Table(show_edge=False, show_lines=True)
    for column, justify in (
        ("Asked", "right"),
        ("Why", "left"),
        ("Example phrasings", "left"),
        ("Nearest item", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for gap in found:
        why = "\n".join(f"{kind} ×{n}" for kind, n in gap.kinds.most_common())
        examples = "\n".join(f"“{e}”" for e in gap.examples)
        if gap.reasons:
            examples += "\n" + "\n".join(f"reason: {r}" for r in gap.reasons)
        nearest = f"{gap.nearest_item} ({gap.nearest_score:.0f})" if gap.nearest_score is not None else "-"
        table.add_row(str(gap.count), why, Text(examples), nearest)
    out.print(table)


def _gaps_csv(found: list[Gap]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(
        ["count", "kinds", "examples", "reasons", "first_seen", "last_seen", "nearest_item", "nearest_score"]
    )
    for gap in found:
        writer.writerow(
            [
                gap.count,
                "; ".join(f"{kind}={n}" for kind, n in gap.kinds.most_common()),
                " | ".join(gap.examples),
                " | ".join(gap.reasons),
                gap.first_seen.isoformat(timespec="seconds"),
                gap.last_seen.isoformat(timespec="seconds"),
                gap.nearest_item or "",
                "" if gap.nearest_score is None else gap.nearest_score,
            ]
        )


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _stats_tables(usage: Stats) -> None:
    out = Console(highlight=False)
    total = usage.total
    out.print(
        f"[bold]{total.questions} question(s)[/]: answered confidently {_percent(total.answer_rate)}, "
        f"helpful {_percent(total.helpful_rate)} of {total.helpful + total.not_helpful} rated, {total.shares} share(s)"
    )

    def table(title: str, rows: dict[str, SurfaceStats]) -> None:
        t = Table(title=title, show_edge=False, title_justify="left")
        t.add_column(title.split()[-1].capitalize())
        for column in ("Questions", "Answered", "Unsure", "None", "Helpful"):
            t.add_column(column, justify="right")
        for name, s in rows.items():
            t.add_row(
                name,
                str(s.questions),
                _percent(s.answer_rate),
                str(s.unsure),
                str(s.unanswered),
                f"{_percent(s.helpful_rate)} ({s.helpful + s.not_helpful})",
            )
        out.print(t)

    table("Questions per week", {week.isoformat(): s for week, s in usage.weeks.items()})
    table("Questions per surface", usage.surfaces)
    for title, column, rows in (
        ("Most answered items", "Answers", usage.top_items),
        ("Most shared items", "Shares", usage.shared_items),
    ):
        if rows:
            t = Table(title=title, show_edge=False, title_justify="left")
            t.add_column("Item")
            t.add_column(column, justify="right")
            for item_id, n in rows:
                t.add_row(item_id, str(n))
            out.print(t)
