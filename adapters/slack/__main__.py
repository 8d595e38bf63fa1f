"""``python -m adapters.slack``: Socket Mode when ``SLACK_APP_TOKEN`` is set, else HTTP on ``$PORT``.

Configuration problems (a missing token, broken evidence files) print one line on stderr and exit with
status 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from adapters.slack.server import run_socket_mode, serve_http
from adapters.slack.settings import SlackSettings
from bot import BotError, Settings
from bot.logs import configure_logging
from bot.runtime import Runtime, first_problem

PROG = "python -m adapters.slack"


def main() -> int:
    runtime: Runtime | None = None
    try:
        settings = Settings.from_env()  # first: it also loads a .env file, which may hold the Slack tokens
        slack = SlackSettings.from_env().check()
        configure_logging(settings.log_level, settings.log_format)
        runtime = Runtime.start(settings, purge_daily=True, watch=True)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_socket_mode(runtime, slack) if slack.socket_mode else serve_http(runtime, slack))
    except BotError as exc:
        print(f"{PROG}: {first_problem(exc)}", file=sys.stderr)
        return 2
    finally:
        if runtime is not None:
            runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
