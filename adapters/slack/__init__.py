"""Slack adapter: the evidence bot in DMs, @mentions, ``/evidence``, shortcuts and the App Home tab.

The web process mounts it with::

    bolt_app = build_slack_app(runtime, SlackSettings.from_env().check())
    add_slack_routes(web_app, bolt_app)            # POST /slack/events

``python -m adapters.slack`` runs it alone: Socket Mode when ``SLACK_APP_TOKEN`` is set, otherwise an HTTP
server on ``$PORT``. See ``adapters/slack/README.md`` for setting up the Slack app.
"""

from adapters.slack.app import build_slack_app
from adapters.slack.http import add_slack_routes
from adapters.slack.settings import SlackSettings

__all__ = ["SlackSettings", "add_slack_routes", "build_slack_app"]
