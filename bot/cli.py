"""Command line: ``python -m bot [chat|ask|validate|coverage|stale] ...``.

Library code raises ``BotError``; this is the only place that turns one into a message and an exit status
(2, one clear line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console
from rich.table import Table

from bot.config import DEFAULT_GLOSSARY, Settings
from bot.conversation import Conversation
from bot.errors import BotError, DataFileError, KnowledgeError
from bot.library import Library, open_library
from bot.lint import lint
from bot.reports import coverage, stale_items

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
    return parser


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
        )
        if command == "validate":
            return _validate(settings)
        library = _open(settings)
        if command == "ask":
            return _ask(library, settings, args.question, as_json=args.json)
        if command == "coverage":
            return _coverage(library)
        if command == "stale":
            return _stale(library)
        from bot.console import run_console

        return run_console(Conversation(library.engine, research_lead=settings.research_lead, limit=settings.limit))
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
