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

from adapters.port import port_from
from bot.errors import ConfigError

DEFAULT_PORT = 3978
APP_TYPES = {"singletenant": "SingleTenant", "multitenant": "MultiTenant", "userassignedmsi": "UserAssignedMSI"}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


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
        raw_unauth = environ.get("BOT_TEAMS_ALLOW_UNAUTHENTICATED", "").strip().lower()

        if raw_unauth not in _TRUE + _FALSE:
            raise ConfigError(f"BOT_TEAMS_ALLOW_UNAUTHENTICATED must be 1 or 0, not {raw_unauth!r}")
        allow_unauthenticated = raw_unauth in _TRUE
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
        )

    def allows_tenant(self, tenant_id: str | None) -> bool:
        """Whether an activity from ``tenant_id`` may reach the bot (a missing tenant only passes with no list)."""
        if self.tenants is None:
            return True
        return tenant_id is not None and tenant_id.strip().lower() in self.tenants

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


def _tenants(raw: str) -> frozenset[str] | None:
    names = [t.strip().lower() for t in raw.split(",") if t.strip()]
    if not names:
        return None
    for name in names:
        if name != "*" and not _GUID.match(name):
            raise ConfigError(f"BOT_TEAMS_TENANTS must list tenant ids (GUIDs) separated by commas, not {name!r}")
    return frozenset(names)
