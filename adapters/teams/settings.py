"""Teams settings: the Bot Framework credentials, the tenant allow-list and the port, read in one place.

The names are the platform's usual ones (``MicrosoftAppId`` …) plus our ``BOT_TEAMS_*``. Every problem is one
``ConfigError`` line naming the variable, because an unconfigured Bot Framework bot silently accepts anyone:
with an empty app id the SDK treats every request as anonymous.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from adapters.port import port_from
from bot.config import parse_bool
from bot.errors import ConfigError

DEFAULT_PORT = 3978
APP_TYPES = {"singletenant": "SingleTenant", "multitenant": "MultiTenant", "userassignedmsi": "UserAssignedMSI"}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$|^\[?::1\]?$")
SERVICE_HOSTS = frozenset(
    {
        "smba.trafficmanager.net",  # Teams, public cloud (regional paths such as /amer/, /emea/, /teams/)
        "smba.infra.gcc.teams.microsoft.com",  # Teams, US Government Community Cloud
        "smba.infra.gov.teams.microsoft.us",  # Teams, GCC High
        "smba.infra.dod.teams.microsoft.us",  # Teams, US Department of Defense
    }
)
"""Microsoft's documented Teams ``serviceUrl`` hosts: the only places replies (and the bot's token) go over https."""


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    """What the Teams adapter needs beyond the core's ``Settings``.

    ``tenants`` is the allow-list of Entra tenant ids; ``None`` means any tenant (only when nothing narrower
    was configured). ``allow_unauthenticated`` is for local development with the Agents Playground or the
    Emulator: it is only honoured when ``app_id`` is empty.
    """

    app_id: str = ""
    app_password: str = ""
    app_type: str = "SingleTenant"
    app_tenant_id: str = ""
    tenants: frozenset[str] | None = None
    allow_unauthenticated: bool = False
    port: int = DEFAULT_PORT
    service_hosts: frozenset[str] = frozenset()
    """``BOT_TEAMS_SERVICE_HOSTS``: extra ``serviceUrl`` hosts trusted over http or https (the Emulator's localhost)."""
    allow_emulator: bool = False
    """``BOT_TEAMS_ALLOW_EMULATOR``: accept tokens from the Bot Framework Emulator's issuers (local testing only)."""
    openid_url: str = ""
    """``BOT_TEAMS_OPENID_URL``: Bot Framework's OpenID metadata (signing keys); empty for Microsoft's own."""

    @property
    def authenticated(self) -> bool:
        """True when inbound JWTs are validated (the SDK validates whenever the app id is set)."""
        return bool(self.app_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TeamsSettings:
        """Read and check the environment; raise ``ConfigError`` naming the first variable that is wrong."""
        if environ is None:
            environ = os.environ
        app_id = environ.get("MicrosoftAppId", "").strip().lower()
        password = environ.get("MicrosoftAppPassword", "").strip()
        raw_type = environ.get("MicrosoftAppType", "").strip()
        tenant_id = environ.get("MicrosoftAppTenantId", "").strip().lower()
        raw_tenants = environ.get("BOT_TEAMS_TENANTS", "")
        allow_unauthenticated = parse_bool(
            "BOT_TEAMS_ALLOW_UNAUTHENTICATED", environ.get("BOT_TEAMS_ALLOW_UNAUTHENTICATED")
        )
        allow_emulator = parse_bool("BOT_TEAMS_ALLOW_EMULATOR", environ.get("BOT_TEAMS_ALLOW_EMULATOR"))
        service_hosts = _hosts(environ.get("BOT_TEAMS_SERVICE_HOSTS", ""))
        openid_url = environ.get("BOT_TEAMS_OPENID_URL", "").strip()
        if openid_url and urlsplit(openid_url).scheme not in ("http", "https"):
            raise ConfigError(f"BOT_TEAMS_OPENID_URL must be an http(s) URL, not {openid_url!r}")
        app_type = APP_TYPES.get(raw_type.lower() or "singletenant")
        if app_type is None:
            raise ConfigError(
                f"MicrosoftAppType must be SingleTenant, MultiTenant or UserAssignedMSI, not {raw_type!r}"
            )
        if not app_id:
            if not allow_unauthenticated:
                raise ConfigError(
                    "MicrosoftAppId is not set: set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId "
                    "from the Azure Bot registration (or BOT_TEAMS_ALLOW_UNAUTHENTICATED=1 for local development only)"
                )
        else:
            if not _GUID.match(app_id):
                raise ConfigError("MicrosoftAppId must be the Entra application (client) id, a GUID")
            if app_type in ("SingleTenant", "MultiTenant") and not password:
                raise ConfigError(f"MicrosoftAppPassword is not set (needed when MicrosoftAppType is {app_type})")
            if app_type in ("SingleTenant", "UserAssignedMSI") and not tenant_id:
                raise ConfigError(f"MicrosoftAppTenantId is not set (needed when MicrosoftAppType is {app_type})")
        if tenant_id and not _GUID.match(tenant_id):
            raise ConfigError("MicrosoftAppTenantId must be the Entra tenant (directory) id, a GUID")

        tenants = _tenants(raw_tenants)
        if tenants is not None and "*" in tenants:
            tenants = None
        elif tenants is None and tenant_id:
            tenants = frozenset({tenant_id})

        port = port_from(environ.get("PORT"), DEFAULT_PORT)
        return cls(
            app_id=app_id,
            app_password=password,
            app_type=app_type,
            app_tenant_id=tenant_id,
            tenants=tenants,
            allow_unauthenticated=allow_unauthenticated,
            port=port,
            service_hosts=service_hosts,
            allow_emulator=allow_emulator,
            openid_url=openid_url,
        )

    def allows_tenant(self, tenant_id: str | None) -> bool:
        """Whether an activity from ``tenant_id`` may reach the bot (a missing tenant only passes with no list)."""
        if self.tenants is None:
            return True
        return tenant_id is not None and tenant_id.strip().lower() in self.tenants

    def trusts_service_url(self, url: str) -> bool:
        """Whether replies may be sent to ``url``: a documented Teams host over https, or a host listed in
        ``BOT_TEAMS_SERVICE_HOSTS``; never a URL carrying a user name or password."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".").lower()
            parts.port  # noqa: B018 (raises ValueError on a malformed port)
        except ValueError:
            return False
        if not host or "@" in parts.netloc or parts.username is not None or parts.password is not None:
            return False
        if host in SERVICE_HOSTS:
            return parts.scheme == "https"
        return host in self.service_hosts and parts.scheme in ("http", "https")

    def warnings(self) -> list[str]:
        """Start-up lines an operator must see: authentication off, or any tenant allowed."""
        lines = []
        if not self.authenticated:
            lines.append(
                "AUTHENTICATION IS OFF (BOT_TEAMS_ALLOW_UNAUTHENTICATED=1 and no MicrosoftAppId): anyone who can "
                "reach /api/messages can use the bot and read its replies. Local development only."
            )
        if self.tenants is None:
            lines.append("BOT_TEAMS_TENANTS is not set: activities from any Microsoft 365 tenant are accepted.")
        if self.allow_emulator:
            lines.append(
                "BOT_TEAMS_ALLOW_EMULATOR is on: Bot Framework Emulator tokens are accepted. Local testing only."
            )
        if self.service_hosts:
            lines.append(f"BOT_TEAMS_SERVICE_HOSTS: replies may also go to {', '.join(sorted(self.service_hosts))}.")
        if self.openid_url:
            lines.append(f"BOT_TEAMS_OPENID_URL is set: signing keys are read from {self.openid_url}.")
        return lines

    def sdk_config(self) -> SdkConfig:
        """The attribute-style object botbuilder's ``ConfigurationBotFrameworkAuthentication`` reads."""
        return SdkConfig(
            APP_ID=self.app_id,
            APP_PASSWORD=self.app_password,
            # With no app id the SDK's MultiTenant branch is the one that allows the auth-off mode.
            APP_TYPE=self.app_type if self.app_id else "MultiTenant",
            APP_TENANTID=self.app_tenant_id,
        )


@dataclass(frozen=True, slots=True)
class SdkConfig:
    """Attribute names fixed by botbuilder."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def _hosts(raw: str) -> frozenset[str]:
    hosts = [h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip()]
    for host in hosts:
        if not _HOST.match(host):
            raise ConfigError(f"BOT_TEAMS_SERVICE_HOSTS must list host names (no scheme, port or path), not {host!r}")
    return frozenset(h.strip("[]") for h in hosts)


def _tenants(raw: str) -> frozenset[str] | None:
    names = [t.strip().lower() for t in raw.split(",") if t.strip()]
    if not names:
        return None
    for name in names:
        if name != "*" and not _GUID.match(name):
            raise ConfigError(f"BOT_TEAMS_TENANTS must list tenant ids (GUIDs) separated by commas, not {name!r}")
    return frozenset(names)
