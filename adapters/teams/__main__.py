"""``python -m adapters.teams``: serve the Teams bot on ``$PORT`` (default 3978) at ``/api/messages``.

A configuration problem prints one line naming the variable and exits with status 2, no traceback. With
authentication off (local development) the server listens on 127.0.0.1 only, unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from adapters.teams.http import TEAMS_ENDPOINT, create_app
from adapters.teams.settings import TeamsSettings
from bot.config import Settings
from bot.errors import BotError
from bot.logs import configure_logging
from bot.runtime import Runtime, first_problem

log = logging.getLogger("adapters.teams")

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m adapters.teams", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", help="address to listen on (default 0.0.0.0, or 127.0.0.1 when auth is off)")
    parser.add_argument("--port", type=int, help="port to listen on (default $PORT, else 3978)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()  # also reads .env, so the Microsoft* names below may come from it
        teams = TeamsSettings.from_env()
        configure_logging(settings.log_level, settings.log_format)
        runtime = Runtime.start(settings, purge_daily=True, watch=True)
    except BotError as exc:
        print(f"error: {first_problem(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    host = args.host or ("0.0.0.0" if teams.authenticated else "127.0.0.1")
    port = args.port or teams.port
    poster = None
    try:
        app = create_app(runtime, teams)
        if settings.digest_teams:
            from adapters.digest import start_digest

            poster = start_digest(runtime, teams=app[TEAMS_ENDPOINT], slack=False)  # to the registered teams
        log.info("Teams bot listening on http://%s:%d/api/messages (auth %s)", host, port, _auth_label(teams))
        web.run_app(app, host=host, port=port, print=None, access_log=None)
    finally:
        if poster is not None:
            poster.stop()
        runtime.close()
    return 0


def _auth_label(teams: TeamsSettings) -> str:
    return f"on, {teams.app_type}" if teams.authenticated else "OFF"


if __name__ == "__main__":
    raise SystemExit(main())
