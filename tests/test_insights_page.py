"""The insights page in the web app (in process): off without a token, the login and its cookie, rate-limited
failures, single sign-on, security headers, read-only, and figures that agree exactly with the CLI commands.
The real browser tests are in test_insights_browser.py."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.insights.auth import COOKIE, FailureLimiter, Gate
from adapters.web import Platforms, build_web_app, configured_platforms
from bot.config import Settings
from bot.dashboard import coverage_view, parse_since
from bot.errors import ConfigError
from bot.reports import coverage, stale_items
from bot.runtime import Runtime
from tests.conftest import cli_env

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")  # web.py's own keys
TOKEN = "a-long-enough-insights-token"


def fill(runtime: Runtime) -> None:
    """Questions, feedback and a share from the console and Slack surfaces."""
    ask = runtime.conversation.handle
    ask("fgc evidence?", user="U0SLACK01", surface="slack")
    ask("yes", user="U0SLACK01", surface="slack")
    ask("what helps with caseload weighting tools", user="U0SLACK02", surface="slack")
    ask("caseload weighting tool evidence?", user="local", surface="console")
    ask("does group supervision help?", user="local", surface="console")
    ask("no, nothing on supervision for Mrs Jones at 12 High Street", user="local", surface="console")
    ask("=cmd|' /C calc'!A0 respite for foster carers", user="U0SLACK03", surface="slack")
    runtime.conversation.share("marac", user="U0SLACK04", surface="slack", event_id="share-1")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[tuple[TestClient[Any, Any], Runtime]]:
    runtime = Runtime(replace(settings, insights_token=TOKEN), *_parts(settings))
    fill(runtime)
    app = build_web_app(runtime, Platforms())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client, runtime
    runtime.close()


def _parts(settings: Settings) -> tuple[Any, Any]:
    from bot.library import library_from_settings
    from bot.store import open_store

    return library_from_settings(settings), open_store(settings.database_url)


async def _login(client: TestClient[Any, Any], token: str = TOKEN) -> aiohttp.ClientResponse:
    return await client.post("/insights/login", data={"token": token}, allow_redirects=False)


async def test_the_page_is_off_without_a_token(runtime: Runtime) -> None:
    async with TestClient(TestServer(build_web_app(runtime, Platforms()))) as client:
        for path in ("/insights", "/insights/login", "/insights/gaps", "/insights/gaps/gaps.csv"):
            assert (await client.get(path, allow_redirects=False)).status == 404
    with pytest.raises(ConfigError, match="nothing to serve"):
        configured_platforms({})
    assert configured_platforms({"BOT_INSIGHTS_TOKEN": TOKEN}).names == []


def test_a_short_token_or_a_bad_header_name_stops_start_up() -> None:
    with pytest.raises(ConfigError, match="at least 16 characters"):
        Settings.from_env({"BOT_INSIGHTS_TOKEN": "short"})
    with pytest.raises(ConfigError, match="BOT_INSIGHTS_SSO_HEADER"):
        Settings.from_env({"BOT_INSIGHTS_TOKEN": TOKEN, "BOT_INSIGHTS_SSO_HEADER": "X-User: admin"})


async def test_login_sets_a_signed_httponly_samesite_cookie_and_the_views_need_it(
    client: tuple[TestClient[Any, Any], Runtime],
) -> None:
    test_client, _ = client
    for path in ("/insights/gaps", "/insights/usage/most-shared.csv"):
        response = await test_client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/insights/login"
    wrong = await _login(test_client, "not-the-token-at-all")
    assert wrong.status == 401 and "not right" in await wrong.text()
    right = await _login(test_client)
    assert right.status == 303 and right.headers["Location"] == "/insights/gaps"
    cookie = right.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=v1.") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/insights" in cookie and "Secure" not in cookie  # plain http here; https sets Secure
    for view in ("gaps", "usage", "coverage"):
        page = await test_client.get(f"/insights/{view}")
        assert page.status == 200
        html = await page.text()
        csp = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
        assert "default-src 'none'" in csp
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script" not in html and " style=" not in html and "<style" not in html
        assert html.count("<svg") >= 1 and 'role="img"' in html
    logout = await test_client.post("/insights/logout", allow_redirects=False)
    assert logout.status == 303
    assert (await test_client.get("/insights/gaps", allow_redirects=False)).status == 303


async def test_https_through_a_proxy_makes_the_cookie_secure(client: tuple[TestClient[Any, Any], Runtime]) -> None:
    test_client, _ = client
    response = await test_client.post(
        "/insights/login", data={"token": TOKEN}, headers={"X-Forwarded-Proto": "https"}, allow_redirects=False
    )
    assert "Secure" in response.headers["Set-Cookie"]


async def test_failed_logins_are_rate_limited_even_with_the_right_token_next(
    client: tuple[TestClient[Any, Any], Runtime],
) -> None:
    test_client, _ = client
    for _ in range(5):
        assert (await _login(test_client, "guess-guess-guess-guess")).status == 401
    limited = await _login(test_client)
    assert limited.status == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Too many wrong tokens" in await limited.text() and "Set-Cookie" not in limited.headers


def test_the_limiter_counts_per_client_and_overall_and_forgets_after_the_window() -> None:
    limiter = FailureLimiter(per_client=2, overall=3, window=60)
    limiter.failed("a", now=0)
    assert limiter.retry_after("a", now=1) == 0
    limiter.failed("a", now=1)
    assert limiter.retry_after("a", now=2) == 58 and limiter.retry_after("b", now=2) == 0
    limiter.failed("b", now=2)
    assert limiter.retry_after("c", now=3) == 57  # three failures in all: everyone waits
    assert limiter.retry_after("a", now=61) == 0 and limiter.retry_after("c", now=63) == 0


def test_sessions_are_signed_expire_and_end_when_the_token_changes() -> None:
    gate = Gate(TOKEN, session_seconds=60)
    cookie = gate.new_session(now=1000)
    assert gate.session_ok(cookie, now=1030)
    assert not gate.session_ok(cookie, now=1061)
    body, _, signature = cookie.rpartition(".")
    expiry = body.split(".")
    forged = f"v1.{int(expiry[1]) + 10_000}.{expiry[2]}.{signature}"
    assert not gate.session_ok(forged, now=1030)
    assert not gate.session_ok(cookie[:-1] + ("0" if cookie[-1] != "0" else "1"), now=1030)
    assert not Gate("another-token-of-16-chars").session_ok(cookie, now=1030)
    assert not gate.session_ok("", now=0) and not gate.session_ok("x" * 500, now=0)
    assert gate.token_ok(TOKEN) and not gate.token_ok(TOKEN + "x") and not gate.token_ok("")


async def test_a_single_sign_on_header_lets_people_in_only_when_configured(settings: Settings) -> None:
    for header, expected in (("", 303), ("X-Forwarded-User", 200)):
        runtime = Runtime(replace(settings, insights_token=TOKEN, insights_sso_header=header), *_parts(settings))
        async with TestClient(TestServer(build_web_app(runtime, Platforms()))) as client:
            response = await client.get(
                "/insights/usage", headers={"X-Forwarded-User": "sam.patel@council.example"}, allow_redirects=False
            )
            assert response.status == expected
            if expected == 200:
                assert "Signed in as sam.patel@council.example through single sign-on" in await response.text()
        runtime.close()


async def test_cross_site_posts_and_writes_are_refused(client: tuple[TestClient[Any, Any], Runtime]) -> None:
    test_client, _ = client
    for origin in ("https://evil.example", "null"):
        response = await test_client.post(
            "/insights/login", data={"token": TOKEN}, headers={"Origin": origin}, allow_redirects=False
        )
        assert response.status == 403
    await _login(test_client)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = await test_client.request(method, "/insights/gaps", allow_redirects=False)
        assert response.status == 405
    assert (await test_client.get("/insights/static/../../bot/config.py")).status == 404
    assert (await test_client.get("/insights/nothing")).status == 404
    bad = await test_client.get("/insights/gaps?since=last+tuesday")
    assert bad.status == 400 and "not a date range" in await bad.text()


async def test_nothing_private_reaches_the_page_or_the_downloads(client: tuple[TestClient[Any, Any], Runtime]) -> None:
    test_client, runtime = client
    await _login(test_client)
    texts = []
    for view, tables in (
        ("gaps", ["gaps", "gaps-by-kind"]),
        ("usage", ["questions-per-week", "rates-per-week", "per-surface", "most-answered", "most-shared"]),
        ("coverage", ["themes-by-strength", "themes-by-effect", "due-for-review"]),
    ):
        texts.append(await (await test_client.get(f"/insights/{view}?since=30d")).text())
        for table in tables:
            response = await test_client.get(f"/insights/{view}/{table}.csv?since=30d")
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in response.headers["Content-Disposition"]
            texts.append(await response.text())
    everything = "\n".join(texts)
    hashes = [runtime.store.user_hash(s, u) for s, u in (("slack", "U0SLACK01"), ("console", "local"))]
    for secret in [*hashes, "U0SLACK01", "U0SLACK04", "Jones", "12 High Street"]:
        assert secret not in everything
    assert "[name]" in everything and "[address]" in everything  # the stored, redacted wording
    gaps_csv = await (await test_client.get("/insights/gaps/gaps.csv")).text()
    examples = [row["examples"] for row in csv.DictReader(io.StringIO(gaps_csv))]
    assert "'=cmd|' /C calc'!A0 respite for foster carers" in examples  # a formula cannot run in a spreadsheet


def _cli(*args: str, env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


async def test_the_figures_agree_exactly_with_the_cli_commands(
    client: tuple[TestClient[Any, Any], Runtime], settings: Settings, tmp_path: Path
) -> None:
    test_client, runtime = client
    await _login(test_client)
    env = cli_env(settings, tmp_path)

    async def table(view: str, key: str, since: str) -> list[dict[str, str]]:
        text = await (await test_client.get(f"/insights/{view}/{key}.csv?since={since}")).text()
        return list(csv.DictReader(io.StringIO(text)))

    for since in ("30d", "2020-01-01"):
        cli_gaps = list(csv.DictReader(io.StringIO(_cli("gaps", "--csv", "--since", since, env=env))))
        page_gaps = await table("gaps", "gaps", since)
        assert len(page_gaps) == len(cli_gaps) == 3
        for page_row, cli_row in zip(page_gaps, cli_gaps, strict=True):
            page_row = {k: v.removeprefix("'") for k, v in page_row.items()}
            assert {k: page_row[k] for k in cli_row} == cli_row

        usage = json.loads(_cli("stats", "--json", "--since", since, env=env))
        weeks = await table("usage", "rates-per-week", since)
        assert [r["week"] for r in weeks] == list(usage["weeks"])
        for row in weeks:
            cli_week = usage["weeks"][row["week"]]
            for column in ("questions", "confident", "unsure", "unanswered", "helpful", "not_helpful"):
                assert int(row[column.replace("_", " ")]) == cli_week[column]
            assert float(row["answer rate %"]) == pytest.approx(cli_week["answer_rate"] * 100, abs=0.05)
        by_surface = await table("usage", "questions-per-week", since)
        assert [int(r["total"]) for r in by_surface] == [w["questions"] for w in usage["weeks"].values()]
        surfaces = {r["surface"]: r for r in await table("usage", "per-surface", since)}
        assert {s: int(r["questions"]) for s, r in surfaces.items()} == {
            s: v["questions"] for s, v in usage["surfaces"].items()
        }
        assert sum(int(r[s]) for r in by_surface for s in surfaces) == usage["total"]["questions"]
        answered = await table("usage", "most-answered", since)
        assert [(r["item"], int(r["answers"])) for r in answered] == [
            (i["id"], i["answers"]) for i in usage["top_items"]
        ]
        shared = await table("usage", "most-shared", since)
        assert [(r["item"], int(r["shares"])) for r in shared] == [
            (i["id"], i["shares"]) for i in usage["shared_items"]
        ]

    library = runtime.library
    report = coverage(library.kb, library.glossary)
    strength = await table("coverage", "themes-by-strength", "")
    assert [(r["theme"], int(r["total"])) for r in strength] == report.themes
    for name, count in report.strengths:
        assert sum(int(r[name]) for r in strength) >= count  # an item with two themes counts in each
    effect = await table("coverage", "themes-by-effect", "")
    assert [(r["theme"], int(r["total"])) for r in effect] == report.themes
    for row in strength + effect:
        assert sum(int(v) for k, v in row.items() if k not in ("theme", "total")) == int(row["total"])
    cli_coverage = _cli("coverage", env=env)
    assert f"{report.items} items" in cli_coverage
    for theme, count in report.themes:
        assert any(theme in line and line.rstrip().endswith(str(count)) for line in cli_coverage.splitlines())
    due = await table("coverage", "due-for-review", "")
    assert [r["item"] for r in due] == [i.id for i in stale_items(library.kb)]
    view = coverage_view(library.kb, library.glossary)
    assert {f.label: f.value for f in view.figures}["items"] == str(report.items)


def test_since_reads_like_the_cli() -> None:
    from bot.cli import _since

    for value in ("2026-11-01", "30d", "8w"):
        ours, theirs = parse_since(value), _since(value)
        assert ours is not None and abs((ours - theirs).total_seconds()) < 5
    assert parse_since("") is None and parse_since("all") is None
    with pytest.raises(ValueError):
        parse_since("last tuesday")
