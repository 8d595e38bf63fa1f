"""The core's own terminal face: ``python -m bot`` opens a chat over the evidence, no platform needed.

Interactive use gets colour, line editing and history (readline); piped input (one question per line) is
answered line by line in plain text, so scripts and tests can drive it.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text

from bot import messages
from bot.conversation import Conversation, Kind
from bot.render import reply_lines

STYLES = {
    "lead": "bold",
    "title": "bold cyan",
    "effect": "green",
    "body": "",
    "heading": "bold",
    "link": "blue",
    "dim": "dim",
    "choice": "",
    "notice": "yellow",
}
QUIT = frozenset({"quit", "exit", "q", ":q", "bye"})
HISTORY = Path.home() / ".evidence_bot_history"


def run_console(conversation: Conversation, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Chat until end of input or 'quit'. Returns the exit status."""
    stdin = stdin or sys.stdin
    user = _local_user()
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    console = Console(
        file=stdout,
        highlight=False,
        soft_wrap=not interactive,
        emoji=False,
        force_terminal=interactive or None,
        no_color=not interactive,
    )
    if interactive:
        _enable_history()
        console.print(Text(messages.CONSOLE_WELCOME.format(count=len(conversation.engine.items)), style="bold"))
    while True:
        try:
            line = input("you> ") if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            line = None
        if line is None or (not interactive and line == ""):
            break
        line = line.rstrip("\n")
        if line.strip().lower() in QUIT:
            break
        if not line.strip():
            continue
        if not interactive:
            console.print(Text(f"> {line}", style="bold"))
        reply = conversation.handle(line, user=user, surface="console")
        for style, text in reply_lines(reply):
            console.print(Text(text, style=STYLES.get(style, "")))
        if reply.kind is Kind.ANSWER:
            console.print(Text(messages.FEEDBACK_HINT, style=STYLES["dim"]))
        console.print()
    if interactive:
        console.print(messages.CONSOLE_BYE)
        _save_history()
    return 0


def _local_user() -> str:
    """Who is at the terminal (stored only as a salted hash, like every user id)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"


def _enable_history() -> None:
    with contextlib.suppress(ImportError, OSError):
        import readline

        readline.set_history_length(500)
        if HISTORY.exists():
            readline.read_history_file(HISTORY)


def _save_history() -> None:
    with contextlib.suppress(ImportError, OSError):
        import readline

        readline.write_history_file(HISTORY)
