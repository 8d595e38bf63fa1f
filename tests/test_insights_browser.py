"""The insights page in a real browser: Debian's headless Chromium, driven by Playwright's Python package with
the system browser (nothing downloads a browser), against the real web process on 127.0.0.1, over a store
filled through the console chat and the Slack path (signed events, a slash command and a share).

Checks: the login (a wrong token, then the right one), each chart present and non-empty, each table the same as
its CSV download, no console errors (a blocked inline script or style would be one), no request leaving
127.0.0.1, a phone-width page that does not scroll sideways, and forced colours. A screenshot of each view is
saved in the test's temporary directory (``screenshots/``).

Without Chromium or the ``playwright`` package these tests are skipped with a message saying so; ``.ci/run``
installs both and sets ``BOT_TEST_BROWSER_REQUIRED=1``, which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from test_slack_support import FakeSlack, fixture_json
from test_web import SECRET, WebProcess, _env, _free_port, _slack_dm

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "browser-test-insights-token"
CHARTS = {
    "gaps": ["gaps-chart"],
    "usage": ["questions-chart", "rates-chart", "answered-chart", "shared-chart"],
    "coverage": ["strength-chart", "effect-chart"],
}
CONSOLE_LINES = [
    "fgc evidence?",
    "yes",
    "caseload weighting tools",
    "caseload weighting tool evidence",
    "does group supervision help?",
    "no, nothing on supervision for Mrs Jones at 12 High Street",
    "what tools help assess neglect?",
    "yes",
    "quit",
]
SLACK_QUESTIONS = ["fgc evidence?", "marac evidence?", "life story work evidence for adopted children", "respite?"]


def _need_browser() -> Any:
    missing = []
    if not CHROMIUM.exists():
        missing.append("Debian's chromium (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        async_playwright = None
        missing.append("the playwright Python package")
    if missing:
        message = f"insights browser tests skipped: no browser ({' and '.join(missing)} missing; .ci/run installs them)"
        if os.environ.get("BOT_TEST_BROWSER_REQUIRED"):
            pytest.fail(message.replace("skipped", "required"))
        pytest.skip(message)
    return async_playwright


def _signed(body: str, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body) or ""
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


async def _fill_through_slack(session: aiohttp.ClientSession, web: WebProcess, slack: FakeSlack) -> None:
    for question in SLACK_QUESTIONS:
        body, headers = _slack_dm(question)
        async with session.post(web.url + "/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
    await slack.wait_for("/api/chat.postMessage", count=len(SLACK_QUESTIONS), timeout=20)
    # /evidence marac, then "Post in this channel": a share
    fields = dict(parse_qsl((Path(__file__).parent / "data" / "slack" / "slack_slash_command.form").read_text()))
    fields.update({"text": "marac", "response_url": slack.hook("command"), "channel_id": "C0FOSTER1"})
    form = urlencode(fields)
    async with session.post(
        web.url + "/slack/events", data=form, headers=_signed(form, "application/x-www-form-urlencoded")
    ) as response:
        assert response.status == 200
    [answer] = await slack.wait_for("/hooks/command", timeout=20)
    value = next(
        element["value"]
        for block in answer.body["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("action_id") == "post_in_channel"
    )
    click = fixture_json("slack_block_actions.json")
    click["user"].update({"id": "U0LEAD0001", "name": "jo.teamlead", "username": "jo.teamlead"})
    click["response_url"] = slack.hook("post")
    click["container"].update({"is_ephemeral": True, "channel_id": "C0FOSTER1"})
    click["channel"]["id"] = "C0FOSTER1"
    click["actions"][0].update(
        {"action_id": "post_in_channel", "value": value, "action_ts": f"{time.time():.6f}", "block_id": "b"}
    )
    payload = urlencode({"payload": json.dumps(click)})
    async with session.post(
        web.url + "/slack/events", data=payload, headers=_signed(payload, "application/x-www-form-urlencoded")
    ) as response:
        assert response.status == 200
    await slack.wait_for("/hooks/post", count=2, timeout=20)


def _fill_through_the_console(env: dict[str, str]) -> None:
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="\n".join(CONSOLE_LINES) + "\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stderr
    assert "Thanks for the feedback" in chat.stdout


def _same(html_cell: str, csv_cell: str) -> bool:
    csv_cell = csv_cell.removeprefix("'")
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", csv_cell):
        csv_cell = csv_cell[:16].replace("T", " ")
    elif re.fullmatch(r"-?\d+\.\d+", csv_cell):
        csv_cell = f"{float(csv_cell):g}"
    return html_cell.strip() in ((csv_cell,) if csv_cell else ("", "–"))  # "–": no value (None)


async def test_curators_log_in_and_see_every_chart_and_table_in_a_real_browser(
    tmp_path: Path, knowledge_dir: Path, glossary_file: Path
) -> None:
    async_playwright = _need_browser()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    slack = await FakeSlack().start()
    port = _free_port()
    env = _env(
        tmp_path,
        knowledge_dir,
        port,
        BOT_GLOSSARY=str(glossary_file),
        SLACK_BOT_TOKEN="xoxb-browser-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        BOT_INSIGHTS_TOKEN=TOKEN,
    )
    web = WebProcess(env, port)
    errors: list[str] = []
    outside: list[str] = []
    try:
        async with aiohttp.ClientSession() as session:
            await web.ready(session, timeout=60)
            await _fill_through_slack(session, web, slack)
        _fill_through_the_console(env)

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
            context = await browser.new_context(viewport={"width": 1100, "height": 900})

            async def guard(route: Any) -> None:
                host = urlsplit(route.request.url).hostname
                if host == "127.0.0.1":
                    await route.continue_()
                else:
                    outside.append(route.request.url)
                    await route.abort()

            await context.route("**/*", guard)
            page = await context.new_page()
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            # a request the page itself cancelled by navigating on (the icon, often) is not a failure
            page.on(
                "requestfailed",
                lambda r: None if r.failure == "net::ERR_ABORTED" else errors.append(f"request failed: {r.url}"),
            )

            await page.goto(web.url + "/insights")
            assert page.url.endswith("/insights/login")
            await page.screenshot(path=str(shots / "login.png"), full_page=True)
            await page.fill("#token", "not-the-right-token-at-all")
            async with page.expect_response(lambda r: r.url.endswith("/insights/login")) as wrong:
                await page.click("button[type=submit]")
            assert (await wrong.value).status == 401
            assert "not right" in await page.inner_text("[role=alert]")
            await page.wait_for_load_state("networkidle")  # the refused page and its icon have finished loading
            errors[:] = [e for e in errors if "401" not in e]  # the refused login is the one expected error
            await page.fill("#token", TOKEN)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/insights/gaps")
            cookies = await context.cookies()
            [session_cookie] = [c for c in cookies if c["name"] == "evidence_insights"]
            assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Strict"

            for view, charts in CHARTS.items():
                await page.goto(f"{web.url}/insights/{view}?since=30d")
                assert await page.locator(".empty").count() == 0
                for key in charts:
                    chart = page.locator(f"figure#{key} svg[role=img]")
                    assert await chart.count() == 1, key
                    box = await chart.bounding_box()
                    assert box is not None and box["width"] > 300 and box["height"] > 150
                    data = chart.locator(f'[id^="{key}-series"]')  # the bars or lines, not axes or legend
                    assert await data.count() >= 1, key
                    sizes = [await d.bounding_box() for d in await data.all()]
                    assert any(b and (b["width"] > 2 or b["height"] > 2) for b in sizes), key
                    title = await chart.locator("title").text_content()
                    assert title == await page.inner_text(f"#{key}-h")
                    table_key = await page.get_attribute(f"figure#{key}", "data-table")
                    assert await page.locator(f"#data-{table_key} tbody tr").count() >= 1
                for table in await page.locator("table").all():
                    table_id = (await table.get_attribute("id") or "").removeprefix("data-")
                    shown = [
                        [await c.inner_text() for c in await row.locator("th, td").all()]
                        for row in await table.locator("tbody tr").all()
                    ]
                    href = f"/insights/{view}/{table_id}.csv" + ("" if view == "coverage" else "?since=30d")
                    download = await context.request.get(web.url + href)
                    assert download.status == 200
                    rows = list(csv.reader(io.StringIO(await download.text())))
                    header, data = rows[0], rows[1:]
                    assert [await c.inner_text() for c in await table.locator("thead th").all()] == header
                    if not data:
                        assert shown == [["None."]], table_id
                        continue
                    assert len(shown) == len(data), table_id
                    for shown_row, row in zip(shown, data, strict=True):
                        assert all(_same(h, c) for h, c in zip(shown_row, row, strict=True)), (shown_row, row)
                await page.screenshot(path=str(shots / f"{view}.png"), full_page=True)

            figures = await page.locator("ul.figures li").all_inner_texts()
            assert any("items" in f for f in figures)
            gaps_html = await (await context.request.get(web.url + "/insights/gaps")).text()
            assert "Jones" not in gaps_html and "12 High Street" not in gaps_html and "U0PRAC001" not in gaps_html

            await page.set_viewport_size({"width": 390, "height": 844})
            for view in CHARTS:
                await page.goto(f"{web.url}/insights/{view}")
                overflow = await page.evaluate("document.documentElement.scrollWidth")
                assert overflow <= 390, (view, overflow)
                await page.screenshot(path=str(shots / f"{view}-phone.png"))
            await page.emulate_media(forced_colors="active", color_scheme="dark")
            await page.goto(f"{web.url}/insights/coverage")
            await page.screenshot(path=str(shots / "coverage-forced-colours.png"))
            await page.emulate_media(forced_colors="none", color_scheme="light")

            await page.click("form.logout button")
            await page.wait_for_url("**/insights/login")
            await page.goto(f"{web.url}/insights/usage")
            assert page.url.endswith("/insights/login")
            await browser.close()
    finally:
        code, log = web.stop()
        await slack.close()
    assert errors == []
    assert outside == []
    assert code == 0, log
    assert "Jones" not in log and "fgc evidence" not in log
    assert sorted(p.name for p in shots.iterdir()) == sorted(
        ["login.png", *(f"{v}.png" for v in CHARTS), *(f"{v}-phone.png" for v in CHARTS), "coverage-forced-colours.png"]
    )
    print(f"screenshots in {shots}")  # where to look (pytest -s)


async def test_without_a_browser_the_tests_say_why_they_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("BOT_TEST_BROWSER_REQUIRED", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no browser"):
        _need_browser()
    await asyncio.sleep(0)
