"""``python -m bench.load``: the real web process under load, with stand-in Slack and Teams services.

Starts ``python -m adapters.web`` on 127.0.0.1 (bundled evidence, a fresh SQLite store, Slack over HTTP and
Teams with authentication off) and a stand-in for Slack's Web API and the Teams connector in this process.
Then sends, open-loop at a fixed rate, signed Slack message events and Teams message activities in turn:
20 requests/s for 60 s, then 50 requests/s for 30 s. Then the fault phase: the Teams connector and Bot
Framework's key endpoint (stand-ins) hang for 30 s while Slack events arrive at 20/s, and Teams activities
keep arriving (1/s, half with a bearer token whose keys must be fetched, half whose reply goes to the hung
connector). For each phase it prints throughput, errors, and p50/p95/p99 of the HTTP acknowledgement and of
the delivered reply (request sent -> reply received by the stand-in), and checks that every request got
exactly one reply (in the fault phase: every Slack event; the Teams requests must each get an HTTP answer,
and none may be answered twice).

Targets (2-core machine): 0 errors, p99 acknowledgement <= 250 ms at 20/s (also in the fault phase) and
<= 500 ms at 50/s, every reply delivered exactly once. ``--quick`` runs 5 s phases as a smoke test;
``--write`` records the figures in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
SECRET = "load-benchmark-signing-secret"
PHASES = ((20, 60.0), (50, 30.0))
QUICK_PHASES = ((20, 5.0), (50, 5.0))
FAULT = (20, 30.0)
QUICK_FAULT = (20, 5.0)
FAULT_TEAMS_RATE = 1.0
ACK_TARGETS_MS = {20: 250.0, 50: 500.0}
REPLY_WAIT_S = 15.0
QUESTIONS = (
    "fgc evidence?",
    "does group supervision help?",
    "what works to stop kids coming into care?",
    "is there research on MASH?",
    "evidence on parenting programmes for neglect",
    "do family drug and alcohol courts work?",
    "what helps social workers stay in the job?",
    "how do I claim mileage",
    "signs of safety evaluation",
    "what works for child criminal exploitation",
)


@dataclass
class Sent:
    platform: str
    phase: int
    started: float
    ack_ms: float | None = None
    status: int | None = None
    error: str = ""


@dataclass
class StandIns:
    """Slack's Web API (``/api/<method>``) and the Teams connector (``/teams/v3/...``), recording replies."""

    replies: dict[str, list[float]] = field(default_factory=dict)
    port: int = 0
    runner: web.AppRunner | None = None
    fault: asyncio.Event = field(default_factory=asyncio.Event)
    """Set: the Teams connector and the key endpoint accept requests and answer none until it is cleared."""
    hung: int = 0

    async def start(self) -> StandIns:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", self.slack)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities{rest:.*}", self.teams)
        app.router.add_get("/openid/{rest:.*}", self.keys)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]
        return self

    def _record(self, key: str) -> None:
        self.replies.setdefault(key, []).append(time.perf_counter())

    async def slack(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.post() if request.content_type != "application/json" else await request.json()
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0LOAD"})
        if method == "chat.postMessage":
            self._record(f"slack:{body.get('channel')}")
        return web.json_response({"ok": True, "ts": f"{time.time():.6f}", "channel": body.get("channel")})

    async def _hang(self) -> None:
        self.hung += 1
        while self.fault.is_set():
            await asyncio.sleep(0.1)

    async def teams(self, request: web.Request) -> web.Response:
        await request.read()
        if self.fault.is_set():
            await self._hang()
            return web.json_response({"error": {"code": "ServiceError", "message": "was hung"}}, status=503)
        self._record(f"teams:{request.match_info['conversation']}")
        return web.json_response({"id": f"{time.time_ns()}"})

    async def keys(self, request: web.Request) -> web.Response:
        """Bot Framework's OpenID metadata: only asked for when a token arrives (the fault phase)."""
        if self.fault.is_set():
            await self._hang()
        return web.json_response({"error": "no keys here"}, status=503)

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def slack_event(n: int, question: str) -> tuple[bytes, dict[str, str], str]:
    channel = f"D{n:08d}"
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0LOAD",
            "api_app_id": "A0LOAD",
            "event_id": f"Ev{n:010d}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": f"U{n % 50:07d}",
                "text": question,
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    return body, headers, f"slack:{channel}"


def teams_activity(n: int, question: str, service_url: str) -> tuple[dict[str, Any], str]:
    conversation = f"a:load{n:08d}"
    activity = {
        "type": "message",
        "id": f"{1_700_000_000_000 + n}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "text": question,
        "textFormat": "plain",
        "from": {"id": f"29:user{n % 50}", "name": "Practitioner", "aadObjectId": f"00000000-0000-0000-0000-{n:012d}"},
        "conversation": {"conversationType": "personal", "id": conversation, "tenantId": "t-load"},
        "recipient": {"id": "28:bot", "name": "Evidence Bot"},
        "channelData": {"tenant": {"id": "t-load"}},
        "locale": "en-GB",
    }
    return activity, f"teams:{conversation}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_web(stand_ins: StandIns, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SLACK_", "MicrosoftApp"))},
        "PORT": str(port),
        "BOT_DATABASE_URL": f"sqlite:///{workdir / 'load.db'}",
        "BOT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": "xoxb-load-benchmark",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{stand_ins.port}/api/",
        "BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1",
        "BOT_TEAMS_SERVICE_HOSTS": "127.0.0.1",
        "BOT_TEAMS_OPENID_URL": f"http://127.0.0.1:{stand_ins.port}/openid/.well-known/openid-configuration",
    }
    with open(workdir / "web.log", "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "adapters.web"], cwd=workdir, env=env, stderr=log)
    return proc, f"http://127.0.0.1:{port}"


async def wait_ready(session: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the web process exited during start-up; see its log")
        try:
            async with session.get(url + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the web process did not become healthy within 60 s")


async def send(
    session: aiohttp.ClientSession,
    url: str,
    n: int,
    phase: int,
    stand_ins: StandIns,
    platform_name: str | None = None,
    token: str = "",
) -> tuple[str, Sent]:
    question = QUESTIONS[n % len(QUESTIONS)]
    started = time.perf_counter()
    if (platform_name or ("slack" if n % 2 == 0 else "teams")) == "slack":
        body, headers, key = slack_event(n, question)
        request = session.post(url + "/slack/events", data=body, headers=headers)
        sent = Sent("slack", phase, started)
    else:
        activity, key = teams_activity(n, question, f"http://127.0.0.1:{stand_ins.port}/teams/")
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        request = session.post(url + "/api/messages", json=activity, headers=auth)
        sent = Sent("teams", phase, started)
    try:
        async with request as response:
            await response.read()
            sent.status = response.status
            sent.ack_ms = (time.perf_counter() - started) * 1000
            if response.status >= 300:
                sent.error = f"HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        sent.error = type(exc).__name__
    return key, sent


async def settle(tasks: list[asyncio.Task[tuple[str, Sent]]], stand_ins: StandIns) -> None:
    """Wait until every request sent so far is answered and its reply has arrived (at most ``REPLY_WAIT_S``)."""
    keys = [key for key, _ in await asyncio.gather(*tasks)]
    deadline = time.monotonic() + REPLY_WAIT_S
    while time.monotonic() < deadline and any(key not in stand_ins.replies for key in keys):
        await asyncio.sleep(0.1)


def fault_token(n: int) -> str:
    """An unsigned-looking Bot Framework token: checking it needs the (hung) key set, whatever it says."""
    import base64

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"iss": "https://api.botframework.com", "aud": "", "exp": int(time.time()) + 300}
    return f"{b64({'alg': 'RS256', 'kid': f'load-{n}'})}.{b64(claims)}.{b64({'sig': n})}"


async def run_fault(
    session: aiohttp.ClientSession, url: str, stand_ins: StandIns, first: int, phase: int, fault: tuple[int, float]
) -> tuple[list[asyncio.Task[tuple[str, Sent]]], list[asyncio.Task[tuple[str, Sent]]]]:
    """Slack events at the fault rate while Teams' services hang; Teams activities keep arriving meanwhile."""
    rate, seconds = fault
    stand_ins.fault.set()
    slack: list[asyncio.Task[tuple[str, Sent]]] = []
    teams: list[asyncio.Task[tuple[str, Sent]]] = []
    start = time.perf_counter()
    every = max(1, round(rate / FAULT_TEAMS_RATE))
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        n = first + i
        slack.append(asyncio.create_task(send(session, url, n, phase, stand_ins, "slack")))
        if i % every == 0:
            token = fault_token(n) if (i // every) % 2 == 0 else ""
            teams.append(asyncio.create_task(send(session, url, n, phase, stand_ins, "teams", token)))
    stand_ins.fault.clear()
    return slack, teams


async def run(phases: tuple[tuple[int, float], ...], fault: tuple[int, float] | None = None) -> dict[str, Any]:
    stand_ins = await StandIns().start()
    workdir = Path(tempfile.mkdtemp(prefix="evidence-load-"))
    proc, url = start_web(stand_ins, workdir)
    sent: dict[str, Sent] = {}
    fault_teams: list[Sent] = []
    try:
        timeout = aiohttp.ClientTimeout(total=40)
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            await wait_ready(session, url, proc)
            n = 0
            tasks: list[asyncio.Task[tuple[str, Sent]]] = []
            for phase, (rate, seconds) in enumerate(phases):
                start = time.perf_counter()
                count = int(rate * seconds)
                for i in range(count):
                    delay = start + i / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(send(session, url, n, phase, stand_ins)))
                    n += 1
            teams_tasks: list[asyncio.Task[tuple[str, Sent]]] = []
            if fault is not None:
                # Let the last requests of the phases before finish first: a reply still on its way when the
                # connector starts hanging would be lost to the fault, not to the bot.
                await settle(tasks, stand_ins)
                slack_tasks, teams_tasks = await run_fault(session, url, stand_ins, n, len(phases), fault)
                tasks += slack_tasks
            for key, record in await asyncio.gather(*tasks):
                sent[key] = record
            fault_teams = [record for _, record in await asyncio.gather(*teams_tasks)]
            deadline = time.monotonic() + REPLY_WAIT_S
            while time.monotonic() < deadline and any(k not in stand_ins.replies for k in sent):
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # a late second reply would show up here
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        await stand_ins.close()
    result = summarise(phases + ((fault,) if fault else ()), sent, stand_ins.replies)
    if fault is not None:
        result["phases"][-1]["fault"] = True
        statuses = Counter(str(s.status) if s.status is not None else s.error for s in fault_teams)
        result["fault_teams"] = {
            "requests": len(fault_teams),
            "answered": sum(1 for s in fault_teams if s.status is not None),
            "statuses": dict(sorted(statuses.items())),
            "slowest_answer_ms": _round(max((s.ack_ms or 0.0) for s in fault_teams) if fault_teams else None),
            "duplicate_replies": sum(1 for k, v in stand_ins.replies.items() if k.startswith("teams:") and len(v) > 1),
            "hung_calls": stand_ins.hung,
        }
    return result


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summarise(
    phases: tuple[tuple[int, float], ...], sent: dict[str, Sent], replies: dict[str, list[float]]
) -> dict[str, Any]:
    rows = []
    for phase, (rate, seconds) in enumerate(phases):
        mine = {k: s for k, s in sent.items() if s.phase == phase}
        acks = [s.ack_ms for s in mine.values() if s.ack_ms is not None]
        delivered = [(replies[k][0] - s.started) * 1000 for k, s in mine.items() if k in replies]
        counts = Counter(len(replies.get(k, [])) for k in mine)
        errors = Counter(s.error for s in mine.values() if s.error)
        rows.append(
            {
                "rate": rate,
                "seconds": seconds,
                "requests": len(mine),
                "throughput": round(len(mine) / seconds, 1),
                "errors": sum(errors.values()),
                "error_kinds": dict(errors),
                "replied_once": counts.get(1, 0),
                "no_reply": counts.get(0, 0),
                "no_reply_by_platform": dict(Counter(s.platform for k, s in mine.items() if k not in replies)),
                "duplicate_replies": sum(v for c, v in counts.items() if c > 1),
                "by_platform": dict(Counter(s.platform for s in mine.values())),
                "ack_ms": {p: _round(_percentile(acks, p)) for p in (50, 95, 99)},
                "reply_ms": {p: _round(_percentile(delivered, p)) for p in (50, 95, 99)},
                "ack_target_ms": ACK_TARGETS_MS.get(rate),
            }
        )
    return {
        "phases": rows,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def passed(row: dict[str, Any]) -> bool:
    target = row["ack_target_ms"]
    ack_ok = target is None or (row["ack_ms"][99] is not None and row["ack_ms"][99] <= target)
    return row["errors"] == 0 and ack_ok and row["replied_once"] == row["requests"]


def report(result: dict[str, Any]) -> str:
    lines = [
        f"Load benchmark: `python -m adapters.web` on 127.0.0.1 ({result['machine']}); Slack events and Teams "
        "activities alternate; replies go to local stand-ins.",
        "",
        "| Rate | Requests | Throughput | Errors | Replied once | Ack p50 / p95 / p99 ms | "
        "Reply p50 / p95 / p99 ms | Target | Result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["phases"]:
        ack, reply = row["ack_ms"], row["reply_ms"]
        label = f"{row['rate']}/s for {row['seconds']:.0f} s"
        if row.get("fault"):
            label = f"fault: Slack {label}, Teams connector and key endpoint hanging"
        lines.append(
            f"| {label} | {row['requests']} | {row['throughput']}/s | "
            f"{row['errors']} | {row['replied_once']} (missing {row['no_reply']}, duplicated "
            f"{row['duplicate_replies']}) | {ack[50]} / {ack[95]} / {ack[99]} | {reply[50]} / {reply[95]} / "
            f"{reply[99]} | 0 errors, ack p99 <= {row['ack_target_ms']:.0f} ms, one reply each | "
            f"{'PASS' if passed(row) else 'FAIL'} |"
        )
    teams = result.get("fault_teams")
    if teams:
        lines += [
            "",
            f"During the fault, {teams['requests']} Teams activities (half with a token needing the hung key set, "
            f"half replying to the hung connector): {teams['answered']} answered over HTTP (statuses "
            f"{', '.join(f'{k}: {v}' for k, v in teams['statuses'].items())}), slowest "
            f"{teams['slowest_answer_ms']} ms; {teams['hung_calls']} calls reached the hung services; "
            f"{teams['duplicate_replies']} Teams replies delivered twice.",
        ]
    return "\n".join(lines)


def write_results(path: Path, text: str) -> None:
    marker_start, marker_end = "<!-- load:start -->", "<!-- load:end -->"
    section = f"{marker_start}\n## Load (`python -m bench.load`)\n\n{text}\n{marker_end}"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if marker_start in current:
        before, rest = current.split(marker_start, 1)
        current = before + section + rest.split(marker_end, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    path.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s per phase (a smoke test, not the measurement)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--write", type=Path, metavar="PATH", help="record the table in this Markdown file")
    args = parser.parse_args(argv)
    result = asyncio.run(run(QUICK_PHASES if args.quick else PHASES, QUICK_FAULT if args.quick else FAULT))
    text = report(result)
    print(json.dumps(result, indent=2) if args.json else text)
    if args.write:
        write_results(args.write, text)
    teams = result.get("fault_teams") or {}
    teams_ok = teams.get("answered") == teams.get("requests") and not teams.get("duplicate_replies")
    return 0 if all(passed(row) for row in result["phases"]) and (not teams or teams_ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
