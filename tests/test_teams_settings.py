"""Teams settings and start-up: no silent anonymous mode, one clear line per mistake, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.teams import __main__ as teams_main
from adapters.teams.settings import TeamsSettings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "6d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
TENANT = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
OTHER = "11111111-2222-4333-8444-555555555555"
SINGLE = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "secret", "MicrosoftAppTenantId": TENANT}


def test_single_tenant_is_the_default_and_allows_only_its_own_tenant() -> None:
    settings = TeamsSettings.from_env(SINGLE)
    assert (settings.app_type, settings.authenticated, settings.port) == ("SingleTenant", True, 3978)
    assert settings.tenants == frozenset({TENANT})
    assert settings.allows_tenant(TENANT.upper()) and not settings.allows_tenant(OTHER)
    assert not settings.allows_tenant(None)
    assert settings.warnings() == []
    config = settings.sdk_config()
    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TYPE, config.APP_TENANTID) == (
        APP_ID,
        "secret",
        "SingleTenant",
        TENANT,
    )


def test_tenant_list_and_wildcard() -> None:
    listed = TeamsSettings.from_env({**SINGLE, "BOT_TEAMS_TENANTS": f" {OTHER.upper()} , {TENANT}"})
    assert listed.tenants == frozenset({OTHER, TENANT})
    anyone = TeamsSettings.from_env({**SINGLE, "BOT_TEAMS_TENANTS": "*"})
    assert anyone.tenants is None and anyone.allows_tenant(None)
    assert any("BOT_TEAMS_TENANTS" in line for line in anyone.warnings())


def test_multi_tenant_needs_no_tenant_id_but_warns_about_tenants() -> None:
    settings = TeamsSettings.from_env(
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s", "MicrosoftAppType": "multitenant"}
    )
    assert settings.app_type == "MultiTenant" and settings.tenants is None
    assert len(settings.warnings()) == 1


def test_local_development_mode_is_explicit_and_loud() -> None:
    settings = TeamsSettings.from_env({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1", "PORT": "8080"})
    assert not settings.authenticated and settings.port == 8080
    assert settings.sdk_config().APP_TYPE == "MultiTenant"  # the SDK's auth-off path
    assert "AUTHENTICATION IS OFF" in settings.warnings()[0]


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({}, "MicrosoftAppId"),
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s"}, "MicrosoftAppTenantId"),
        ({**SINGLE, "MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppTenantId": ""}, "MicrosoftAppTenantId"),
        ({**SINGLE, "MicrosoftAppId": "my-bot"}, "MicrosoftAppId"),
        ({**SINGLE, "MicrosoftAppTenantId": "contoso.onmicrosoft.com"}, "MicrosoftAppTenantId"),
        ({**SINGLE, "MicrosoftAppType": "Anyone"}, "MicrosoftAppType"),
        ({**SINGLE, "BOT_TEAMS_TENANTS": "contoso"}, "BOT_TEAMS_TENANTS"),
        ({**SINGLE, "PORT": "http"}, "PORT"),
        ({**SINGLE, "PORT": "70000"}, "PORT"),
        ({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "maybe"}, "BOT_TEAMS_ALLOW_UNAUTHENTICATED"),
        ({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "0"}, "MicrosoftAppId"),
    ],
)
def test_each_mistake_is_one_line_naming_the_variable(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as raised:
        TeamsSettings.from_env(environ)
    message = str(raised.value)
    assert names in message and "\n" not in message
    assert "secret" not in message


def test_main_exits_2_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    assert teams_main.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: MicrosoftAppPassword is not set") and err.count("\n") == 1


def test_main_serves_on_loopback_when_auth_is_off(
    monkeypatch: pytest.MonkeyPatch, knowledge_dir: Path, glossary_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("BOT_TEAMS_ALLOW_UNAUTHENTICATED", "1")
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("BOT_GLOSSARY", str(glossary_file))
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    monkeypatch.setenv("PORT", "4000")
    seen: dict[str, object] = {}

    def fake_run_app(app: object, **kwargs: object) -> None:
        seen.update(kwargs, routes=sorted({r.resource.canonical for r in app.router.routes()}))  # type: ignore[attr-defined]

    monkeypatch.setattr(teams_main.web, "run_app", fake_run_app)
    monkeypatch.setattr(teams_main, "configure_logging", lambda *_args: None)  # leave the test's logging alone
    assert teams_main.main([]) == 0
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 4000)
    assert seen["routes"] == ["/api/messages", "/healthz"]


def test_python_dash_m_prints_one_line_without_credentials(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "Microsoft"))}
    env["PYTHONWARNINGS"] = "error"
    result = subprocess.run(
        [sys.executable, "-m", "adapters.teams"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: MicrosoftAppId is not set")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
