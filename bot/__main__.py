"""``python -m bot``: the console chat, or a subcommand (see ``python -m bot --help``)."""

from bot.cli import main

raise SystemExit(main())
