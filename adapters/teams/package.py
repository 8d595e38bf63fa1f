"""``python -m adapters.teams.package --out evidence-bot-teams.zip``: the Teams app package to upload.

The zip holds ``manifest.json`` (``adapters/teams/manifest.json`` with the bot's app id from
``MicrosoftAppId`` filled in) and the two generated icons, all at the root of the archive, as Teams
requires. The manifest is checked before anything is written; a problem prints one line and exits with 2.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from adapters.teams.icons import color_png, outline_png
from bot.errors import ConfigError

TEMPLATE = Path(__file__).with_name("manifest.json")
PLACEHOLDER = "${{MicrosoftAppId}}"
EXIT_CONFIG = 2

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d{1,5}\.\d{1,5}\.\d{1,5}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DOMAIN = re.compile(r"^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)

# Length limits from the Teams manifest schema (v1.30; tests validate against the schema itself).
LIMITS = {
    ("name", "short"): 30,
    ("name", "full"): 100,
    ("description", "short"): 80,
    ("description", "full"): 4000,
    ("developer", "name"): 32,
}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def build_manifest(
    app_id: str,
    *,
    template: Mapping[str, Any] | None = None,
    app_version: str | None = None,
    domains: Sequence[str] = (),
    developer: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The template with the app id (Teams app id and bot id alike) and the given overrides filled in."""
    if not _GUID.match(app_id or ""):
        raise ConfigError("MicrosoftAppId must be the bot's Entra application (client) id, a GUID")
    manifest = copy.deepcopy(dict(template if template is not None else load_template()))
    manifest = dict(json.loads(json.dumps(manifest).replace(PLACEHOLDER, app_id.lower())))
    if app_version:
        manifest["version"] = app_version
    if domains:
        manifest["validDomains"] = sorted({*manifest.get("validDomains", []), *domains})
    for key, value in (developer or {}).items():
        if value:
            manifest["developer"][key] = value
    problems = check_manifest(manifest)
    if problems:
        raise ConfigError(f"the Teams manifest is not valid: {problems[0]}")
    return manifest


def check_manifest(manifest: Mapping[str, Any]) -> list[str]:
    """Basic checks Teams would otherwise report on upload, one line each."""
    problems: list[str] = []
    schema = str(manifest.get("$schema", ""))
    version = str(manifest.get("manifestVersion", ""))
    if not re.match(r"^1\.(1[6-9]|[2-9]\d)$", version):
        problems.append(f"manifestVersion must be 1.16 or later, not {version!r}")
    if f"/v{version}/" not in schema:
        problems.append("$schema does not match manifestVersion")
    if not _SEMVER.match(str(manifest.get("version", ""))):
        problems.append("version must look like 1.0.0")
    if PLACEHOLDER in json.dumps(manifest):
        problems.append("the app id placeholder was not replaced")
    if not _GUID.match(str(manifest.get("id", ""))):
        problems.append("id must be a GUID")
    for (section, key), limit in LIMITS.items():
        value = str(manifest.get(section, {}).get(key, ""))
        if not value or len(value) > limit:
            problems.append(f"{section}.{key} must be 1-{limit} characters")
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        if not str(manifest.get("developer", {}).get(key, "")).startswith("https://"):
            problems.append(f"developer.{key} must be an https:// URL")
    if not _COLOR.match(str(manifest.get("accentColor", ""))):
        problems.append("accentColor must look like #1D4F91")
    if manifest.get("icons") != {"color": "color.png", "outline": "outline.png"}:
        problems.append("icons must be color.png and outline.png")
    for bot in manifest.get("bots", []):
        if bot.get("botId") != manifest.get("id"):
            problems.append("bots[].botId must be the app id")
        if not set(bot.get("scopes", [])) <= {"personal", "team", "groupChat"} or not bot.get("scopes"):
            problems.append("bots[].scopes must be personal, team and/or groupChat")
        for command_list in bot.get("commandLists", []):
            for command in command_list.get("commands", []):
                if len(command.get("title", "")) > 32 or len(command.get("description", "")) > 128:
                    problems.append("a bot command title is over 32 or its description over 128 characters")
    for extension in manifest.get("composeExtensions", []):
        if extension.get("botId") != manifest.get("id"):
            problems.append("composeExtensions[].botId must be the app id")
        for command in extension.get("commands", []):
            if not 1 <= len(command.get("id", "")) <= 64 or len(command.get("title", "")) > 32:
                problems.append("a messaging extension command id must be 1-64 and its title at most 32 characters")
            if len(command.get("description", "")) > 128:
                problems.append("a messaging extension command description is over 128 characters")
    for domain in manifest.get("validDomains", []):
        if not _DOMAIN.match(str(domain)):
            problems.append(f"validDomains: {domain!r} is not a host name (no scheme, no path)")
    return problems


def build_zip(manifest: Mapping[str, Any]) -> bytes:
    """The package bytes: manifest and icons at the root, fixed timestamps so builds are reproducible."""
    buffer = io.BytesIO()
    files = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n",
        "color.png": color_png(),
        "outline.png": outline_png(),
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _load_dotenv() -> None:
    """The same ``.env`` in the working directory that the bot reads; real variables win."""
    path = Path.cwd() / ".env"
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.teams.package", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", required=True, type=Path, help="where to write the .zip")
    parser.add_argument("--app-version", help="the app's version, e.g. 1.0.1 (raise it to update an uploaded app)")
    parser.add_argument("--domain", action="append", default=[], help="a host name for validDomains (repeatable)")
    parser.add_argument("--developer-name", help="your organisation's name (at most 32 characters)")
    parser.add_argument("--website-url", help="https:// page about the bot in your organisation")
    parser.add_argument("--privacy-url", help="https:// privacy notice")
    parser.add_argument("--terms-url", help="https:// terms of use")
    args = parser.parse_args(argv)
    if environ is None:
        _load_dotenv()
        environ = os.environ
    app_id = environ.get("MicrosoftAppId", "").strip()
    try:
        if not app_id:
            raise ConfigError("MicrosoftAppId is not set: set it to the Azure Bot registration's app (client) id")
        manifest = build_manifest(
            app_id,
            app_version=args.app_version,
            domains=args.domain,
            developer={
                "name": args.developer_name,
                "websiteUrl": args.website_url,
                "privacyUrl": args.privacy_url,
                "termsOfUseUrl": args.terms_url,
            },
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    args.out.write_bytes(build_zip(manifest))
    print(f"wrote {args.out} (app id {manifest['id']}, version {manifest['version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
