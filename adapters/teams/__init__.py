"""Microsoft Teams adapter: personal chat, @mentions, card buttons and a search-based messaging extension.

The web process calls ``add_teams_routes(web_app, runtime, TeamsSettings.from_env())``; ``python -m
adapters.teams`` runs it alone. See ``adapters/teams/README.md`` for setting it up in a tenant.
"""

from adapters.teams.http import add_teams_routes, create_app
from adapters.teams.settings import TeamsSettings

__all__ = ["TeamsSettings", "add_teams_routes", "create_app"]
