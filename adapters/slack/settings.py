"""Slack's settings: the platform's usual variable names, read in one place, checked at start-up.

``SlackSettings.from_env()`` reads them; ``check()`` raises ``ConfigError`` with one line naming the
missing or malformed variable and where to find its value, so ``python -m adapters.slack`` can print it
and exit 2 without a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.port import port_from
from bot import ConfigError

DEFAULT_PORT = 3000


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str = ""
    """``SLACK_BOT_TOKEN``: the Bot User OAuth Token (xoxb-...), needed in both modes."""
    signing_secret: str = ""
    """``SLACK_SIGNING_SECRET``: verifies that HTTP requests come from Slack (HTTP mode)."""
    app_token: str = ""
    """``SLACK_APP_TOKEN``: an app-level token (xapp-...) with connections:write; its presence selects Socket Mode."""
    port: int = DEFAULT_PORT
    """``PORT``: where the HTTP server listens (HTTP mode)."""
    api_url: str = ""
    """``SLACK_API_URL``: the Web API's base URL; empty for Slack's own. The load benchmark points it at a stand-in."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SlackSettings:
        if environ is None:
            environ = os.environ
        port = port_from(environ.get("PORT"), DEFAULT_PORT)
        return cls(
            bot_token=(environ.get("SLACK_BOT_TOKEN") or "").strip(),
            signing_secret=(environ.get("SLACK_SIGNING_SECRET") or "").strip(),
            app_token=(environ.get("SLACK_APP_TOKEN") or "").strip(),
            port=port,
            api_url=(environ.get("SLACK_API_URL") or "").strip(),
        )

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    def check(self) -> SlackSettings:
        """Raise ``ConfigError`` naming the first variable that the chosen run mode needs and lacks."""
        if not self.bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
                "OAuth & Permissions page"
            )
        if not self.bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page)")
        if self.socket_mode:
            if not self.app_token.startswith("xapp-"):
                raise ConfigError(
                    "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information > "
                    "App-Level Tokens, scope connections:write)"
                )
        elif not self.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information "
                "page (or set SLACK_APP_TOKEN to use Socket Mode)"
            )
        return self
