"""The Teams app package: one command, the app id filled in, valid PNG icons of the right sizes."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from adapters.teams import icons, package
from bot.errors import ConfigError

APP_ID = "6D3C1B2A-9E8F-4A7B-8C6D-5E4F3A2B1C0D"


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Parse a PNG: check the signature and every CRC, return width, height and RGBA pixels (8-bit, colour 6)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, compression, filtering, interlace) == (8, 6, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * 4 + 1
    assert len(raw) == stride * height
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter "none", so the bytes are the pixels
    pixels = [row[1 + x * 4 : 5 + x * 4] for row in rows for x in range(width)]
    return width, height, pixels


def test_color_icon_is_192_square_and_opaque() -> None:
    width, height, pixels = read_png(icons.color_png())
    assert (width, height) == (192, 192)
    assert {p[3] for p in pixels} == {255}
    assert pixels[0][:3] == bytes(icons.ACCENT) and bytes((255, 255, 255, 255)) in pixels


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    width, height, pixels = read_png(icons.outline_png())
    assert (width, height) == (32, 32)
    assert all(p[3] == 0 or p[:3] == b"\xff\xff\xff" for p in pixels)
    assert pixels[0][3] == 0 and any(p[3] == 255 for p in pixels)
    assert icons.outline_png() == icons.outline_png()  # deterministic


def test_encode_png_refuses_the_wrong_amount_of_pixels() -> None:
    with pytest.raises(ValueError):
        icons.encode_png(2, 2, b"\x00" * 15)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_command_builds_the_zip_with_the_app_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "evidence-bot-teams.zip"
    assert package.main(["--out", str(out), "--domain", "bot.example.gov.uk"], {"MicrosoftAppId": APP_ID}) == 0
    assert str(out) in capsys.readouterr().out
    files = unzip(out.read_bytes())
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]  # all at the root
    manifest: dict[str, Any] = json.loads(files["manifest.json"])
    app_id = APP_ID.lower()
    assert manifest["id"] == manifest["bots"][0]["botId"] == manifest["composeExtensions"][0]["botId"] == app_id
    assert manifest["validDomains"] == ["bot.example.gov.uk"]
    assert "${{" not in files["manifest.json"].decode()
    assert read_png(files["color.png"])[:2] == (192, 192)
    assert read_png(files["outline.png"])[:2] == (32, 32)
    assert package.check_manifest(manifest) == []


def test_the_manifest_declares_the_bot_and_the_search_command() -> None:
    manifest = package.build_manifest(APP_ID)
    assert manifest["manifestVersion"] == "1.30" and "/v1.30/" in manifest["$schema"]
    [bot] = manifest["bots"]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    [extension] = manifest["composeExtensions"]
    [command] = extension["commands"]
    assert (command["id"], command["type"], command["initialRun"]) == ("searchEvidence", "query", True)
    assert command["parameters"][0]["name"] == "searchQuery"
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert len(manifest["name"]["short"]) <= 30


def test_builds_are_reproducible() -> None:
    manifest = package.build_manifest(APP_ID)
    assert package.build_zip(manifest) == package.build_zip(manifest)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.update(version="1.0"), "version"),
        (lambda m: m.update(manifestVersion="1.13"), "manifestVersion"),
        (lambda m: m["name"].update(short="x" * 31), "name.short"),
        (lambda m: m["description"].update(short="x" * 81), "description.short"),
        (lambda m: m["developer"].update(privacyUrl="http://example.org"), "privacyUrl"),
        (lambda m: m["bots"][0].update(botId="00000000-0000-0000-0000-000000000000"), "botId"),
        (lambda m: m["bots"][0].update(scopes=["everyone"]), "scopes"),
        (lambda m: m["composeExtensions"][0]["commands"][0].update(title="x" * 33), "title"),
        (lambda m: m.update(validDomains=["https://bot.example.org/api"]), "validDomains"),
        (lambda m: m.update(accentColor="blue"), "accentColor"),
    ],
)
def test_manifest_checks_catch_mistakes(change: Any, problem: str) -> None:
    manifest = package.build_manifest(APP_ID)
    change(manifest)
    problems = package.check_manifest(manifest)
    assert problems and problem in problems[0]


@pytest.mark.parametrize(
    ("environ", "args", "message"),
    [
        ({}, [], "error: MicrosoftAppId is not set"),
        ({"MicrosoftAppId": "not-a-guid"}, [], "error: MicrosoftAppId must be"),
        ({"MicrosoftAppId": APP_ID}, ["--app-version", "two"], "error: the Teams manifest is not valid: version"),
        ({"MicrosoftAppId": APP_ID}, ["--developer-name", "x" * 40], "developer.name"),
    ],
)
def test_problems_are_one_line_and_write_nothing(
    environ: dict[str, str], args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.zip"
    assert package.main(["--out", str(out), *args], environ) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_build_manifest_rejects_a_bad_id() -> None:
    with pytest.raises(ConfigError):
        package.build_manifest("")


SCHEMA = Path(__file__).parent / "data" / "schemas" / "MicrosoftTeams.schema.v1.30.json"
"""Microsoft's own manifest schema v1.30, as published in its ``@microsoft/app-manifest`` npm package (MIT)
(``build/json-schemas/teams/v1.30/MicrosoftTeams.schema.json``, the file served under
developer.microsoft.com/json-schemas/teams/v1.30/); see tests/data/schemas/README.md."""


def test_the_built_manifest_validates_against_the_official_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    manifest = package.build_manifest(APP_ID, domains=["evidence.anytown.gov.uk"])
    assert schema["properties"]["manifestVersion"]["const"] == manifest["manifestVersion"]
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]
    assert problems == []
    broken = {**manifest, "bots": [{**manifest["bots"][0], "scopes": ["everyone"]}]}
    assert list(validator.iter_errors(broken))  # the schema really is checked
