"""The curators' link checker against real local servers on 127.0.0.1: 200, 301 chains, 404, 410,
redirect loops, retries, timeouts and TLS errors. Nothing here reaches the internet."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge import load_knowledge
from bot.links import (
    BLOCKED,
    BROKEN,
    OK,
    REDIRECTED,
    LinkChecker,
    LinkReport,
    LinkResult,
    _same_address,
    check_knowledge_links,
    collect_links,
    table_rows,
)
from tests.conftest import write_tree

REDIRECTS = {"/a": "/b", "/b": "/c", "/slash": "/slash/", "/loop": "/loop2", "/loop2": "/loop"}


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int]  # set on the subclass per server

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass

    def _answer(self, body: bool) -> None:
        path = self.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path in REDIRECTS:
            self._send(301, body, location=REDIRECTS[path])
        elif path == "/elsewhere":
            port = self.server.server_address[1]
            self._send(302, body, location=f"http://localhost:{port}/c")
        elif path in ("/ok", "/c", "/slash/"):
            self._send(200, body)
        elif path == "/gone":
            self._send(410, body)
        elif path == "/forbidden":
            self._send(403, body)
        elif path == "/error":
            self._send(500, body)
        elif path == "/flaky":
            self._send(503 if self.hits[path] <= 2 else 200, body)  # HEAD and GET of the first attempt
        elif path == "/no-head" and self.command == "HEAD":
            self._send(405, body)
        elif path == "/no-head":
            self._send(200, body)
        else:
            self._send(404, body)

    def _send(self, status: int, body: bool, location: str = "") -> None:
        payload = b"<html><body>page</body></html>"
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, int]]]:
    hits: dict[str, int] = {}
    handler = type("SiteHandler", (Handler,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers: every request times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def checker(**overrides: object) -> LinkChecker:
    options: dict[str, object] = {"timeout": 2.0, "retries": 2, "backoff": 0.0, "proxies": {}}
    options.update(overrides)
    return LinkChecker(**options)  # type: ignore[arg-type]


def test_a_page_that_answers_200_is_ok_but_flagged_when_not_https(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/ok")
    assert (result.outcome, result.status, result.redirects) == (OK, 200, [])
    assert result.https is False and "not HTTPS" in result.note


def test_a_301_chain_is_followed_and_reported_as_redirected_elsewhere(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/a")
    assert result.outcome == REDIRECTED
    assert result.redirects == [f"{base}/b", f"{base}/c"]
    assert result.final_url == f"{base}/c" and result.status == 200
    assert "2 redirects" in result.note


def test_a_redirect_to_another_host_is_redirected(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/elsewhere")
    assert result.outcome == REDIRECTED and result.final_url.startswith("http://localhost:")


def test_a_trailing_slash_redirect_is_still_the_same_page(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/slash")
    assert result.outcome == OK and result.redirects == [f"{base}/slash/"]


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/gone", 410)])
def test_404_and_410_are_broken_without_retrying(site: tuple[str, dict[str, int]], path: str, status: int) -> None:
    base, hits = site
    result = checker().check(base + path)
    assert (result.outcome, result.status, result.attempts) == (BROKEN, status, 1)
    assert f"HTTP {status}" in result.error
    assert hits[path] == 2  # HEAD, then GET to be sure it is not a server that only refuses HEAD


def test_a_redirect_loop_is_broken(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/loop")
    assert result.outcome == BROKEN and "redirect loop" in result.error


def test_a_passing_503_is_retried(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/flaky")
    assert result.outcome == OK and result.attempts == 2


def test_a_persistent_500_is_broken_after_the_retries(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker(retries=2).check(f"{base}/error")
    assert (result.outcome, result.status, result.attempts) == (BROKEN, 500, 3)


def test_a_server_that_refuses_head_is_checked_with_get(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    assert checker().check(f"{base}/no-head").outcome == OK


def test_403_is_blocked_not_broken(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker().check(f"{base}/forbidden")
    assert result.outcome == BLOCKED and "browser" in result.note


def test_a_server_that_never_answers_times_out_after_retries(silent_port: int) -> None:
    pauses: list[float] = []
    started = time.monotonic()
    result = checker(timeout=0.3, retries=1, backoff=0.5, sleep=pauses.append).check(
        f"http://127.0.0.1:{silent_port}/slow"
    )
    assert (result.outcome, result.error, result.attempts) == (BROKEN, "timed out", 2)
    assert pauses == [0.5]  # one growing pause between attempts
    assert time.monotonic() - started < 5


def test_tls_to_a_server_that_does_not_speak_tls_is_a_tls_error(site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    result = checker(retries=0).check(base.replace("http://", "https://") + "/ok")
    assert result.outcome == BROKEN and result.error.startswith("TLS error")


def test_an_untrusted_certificate_is_a_tls_error(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Handler,), {"hits": {}}))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/ok"
        result = checker(retries=0).check(url)
        assert result.outcome == BROKEN and "certificate not trusted" in result.error
        trusting = ssl.create_default_context(cafile=str(cert))
        assert checker(retries=0, ssl_context=trusting).check(url).outcome == OK  # the same server, trusted
    finally:
        server.shutdown()
        server.server_close()


def test_many_links_are_checked_concurrently_and_each_url_once(silent_port: int) -> None:
    urls = [f"http://127.0.0.1:{silent_port}/{n}" for n in range(6)] * 2
    started = time.monotonic()
    results = checker(timeout=0.5, retries=0, concurrency=6, per_host=6).check_all(urls)
    assert [r.url for r in results] == list(dict.fromkeys(urls))
    assert time.monotonic() - started < 2.0  # six timeouts of 0.5 s at once, not one after another


def test_same_address_allows_only_cosmetic_changes() -> None:
    assert _same_address("http://www.gov.uk/a/", "https://gov.uk/a")
    assert not _same_address("https://gov.uk/a", "https://gov.uk/b")
    assert not _same_address("https://gov.uk/a?x=1", "https://gov.uk/a?x=2")


def test_a_doi_landing_on_the_publisher_is_ok() -> None:
    assert checker()._judge("https://doi.org/10.1093/bjsw/bcae035", "https://academic.oup.com/bjsw/x", 200) == OK


def test_the_report_lists_what_needs_attention_worst_first(tmp_path: Path, site: tuple[str, dict[str, int]]) -> None:
    base, _ = site
    kb = load_knowledge(write_tree(tmp_path / "k", _items(base)))
    assert set(collect_links(kb)) == {f"{base}/ok", f"{base}/a", f"{base}/gone"}
    report = check_knowledge_links(kb, checker())
    outcomes = [row[0] for row in table_rows(report)]
    assert outcomes == [BROKEN, REDIRECTED, "not https"]
    gone = next(r for r in report.results if r.url.endswith("/gone"))
    assert [u.item for u in gone.uses] == ["first", "second"]
    assert report.broken


def test_links_command_json_and_exit_status(
    tmp_path: Path,
    site: tuple[str, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    base, _ = site
    directory = write_tree(tmp_path / "k", _items(base))
    status = main(["links", "--knowledge", str(directory), "--json", "--timeout", "2", "--retries", "0"])
    document = json.loads(capsys.readouterr().out)
    assert status == 1
    assert document["links"] == 3
    assert document["counts"] == {"broken": 1, "redirected": 1, "blocked": 0, "ok": 1, "not_https": 3}
    first = document["results"][0]
    assert first["outcome"] == "broken" and first["status"] == 410
    assert {i["id"] for i in first["items"]} == {"first", "second"}

    fine = write_tree(tmp_path / "fine", {"a.yaml": _item("first", f"{base}/ok")})
    assert main(["links", "--knowledge", str(fine)]) == 0
    out = capsys.readouterr().out
    assert "1 link(s) checked: 0 broken, 0 redirected, 0 blocked, 1 ok; 1 not HTTPS" in out
    assert "not https" in out


def test_report_json_is_stable() -> None:
    result = LinkResult(url="https://example.org/x", outcome=OK, status=200, attempts=1)
    report = LinkReport(results=[result], checked_at=dt.datetime(2026, 12, 6, tzinfo=dt.UTC))
    assert report.to_json()["results"][0] == {
        "url": "https://example.org/x",
        "outcome": "ok",
        "https": True,
        "status": 200,
        "final_url": None,
        "redirects": [],
        "error": None,
        "attempts": 1,
        "items": [],
    }


def _item(item_id: str, *urls: str) -> str:
    links = "\n".join(f"      - {{title: Link {n}, url: '{u}'}}" for n, u in enumerate(urls))
    return f"""
    id: {item_id}
    title: Item {item_id}
    summary: Something.
    links:
{links}
    """


def _items(base: str) -> dict[str, str]:
    return {
        "a.yaml": _item("first", f"{base}/ok", f"{base}/gone"),
        "b.yaml": _item("second", f"{base}/a", f"{base}/gone"),
    }


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
