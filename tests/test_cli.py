"""The command line, through a real subprocess where the contract matters (``ask --json``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import write_tree

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


def test_ask_json_contract_through_a_real_process(knowledge_dir: Path, glossary_file: Path) -> None:
    result = run(
        "ask",
        "--knowledge",
        str(knowledge_dir),
        "--glossary",
        str(glossary_file),
        "--json",
        "--limit",
        "2",
        "-",
        stdin="fgc evidence?\nwhat is the weather on mars\nsupervision\n",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "fgc evidence?",
        "what is the weather on mars",
        "supervision",
    ]
    first = lines[0]
    assert first["results"][0] == {
        "id": "family-group-conferences",
        "title": "Family group conferences",
        "score": first["results"][0]["score"],
    }
    assert isinstance(first["results"][0]["score"], float) and 0 <= first["results"][0]["score"] <= 100
    assert isinstance(first["elapsed_ms"], float) and first["elapsed_ms"] < 1000
    assert len(first["results"]) <= 2
    assert lines[1]["results"] == [] and lines[1]["suggestions"] == []
    for line in lines:
        assert {"question", "results", "suggestions", "elapsed_ms"} <= set(line)
        if line["results"]:
            assert line["suggestions"] == []


def test_ask_uses_the_bundled_glossary_with_another_knowledge_directory(knowledge_dir: Path) -> None:
    result = run("ask", "--knowledge", str(knowledge_dir), "--json", "fgc evidence")
    assert json.loads(result.stdout)["results"][0]["id"] == "family-group-conferences"


def test_a_huge_question_is_answered_quickly_and_marked_truncated(knowledge_dir: Path) -> None:
    big = "does group supervision help " + "x" * 100_000
    result = run("ask", "--knowledge", str(knowledge_dir), "--json", "-", stdin=big + "\n")
    answer = json.loads(result.stdout)
    assert answer["truncated"] is True and answer["results"][0]["id"] == "group-supervision"


@pytest.mark.parametrize(
    "argv",
    [
        ["ask"],
        ["ask", "--limit", "zero", "q"],
        ["ask", "--limit", "0", "q"],
        ["frobnicate"],
        ["ask", "--nope", "q"],
    ],
)
def test_bad_arguments_give_one_line_and_status_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_broken_knowledge_gives_one_line_and_status_2_without_traceback(tmp_path: Path) -> None:
    broken = write_tree(tmp_path / "k", {"a.yaml": "id: a\ntitle: A\nsumary: x\n", "b.yaml": "id: [\n"})
    result = run("ask", "--knowledge", str(broken), "fgc")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "a.yaml" in lines[0] and "and 3 more problems" in lines[0]


def test_missing_glossary_is_one_line(knowledge_dir: Path, tmp_path: Path) -> None:
    result = run("ask", "--knowledge", str(knowledge_dir), "--glossary", str(tmp_path / "nope.yaml"), "fgc")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "glossary file not found" in result.stderr


def test_validate_lists_every_error_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write_tree(tmp_path / "k", {"a.yaml": "id: a\ntitle: A\nsumary: x\n", "b.yaml": "id: [\n"})
    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "unknown field 'sumary' (did you mean 'summary'?)" in err and "b.yaml:" in err and "error(s)" in err


def test_validate_warns_on_stale_thin_and_shadowing_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    item = """
        id: {id}
        title: {title}
        summary: Something.
        links: [{{title: s, url: "https://example.org/"}}]
        {extra}
    """
    root = write_tree(
        tmp_path / "k",
        {
            "old.yaml": item.format(
                id="old",
                title="Old item",
                extra="reviewed: 2020-01-01\n        tags: [x]\n        questions: [is the old item any good?]",
            ),
            "a.yaml": item.format(
                id="a",
                title="Parenting programmes for neglect",
                extra="reviewed: 2099-01-01\n        tags: [x]\n"
                "        questions: [do parenting programmes help with neglect?]",
            ),
            "b.yaml": item.format(
                id="b",
                title="Parenting programmes and neglect",
                extra="reviewed: 2099-01-01\n        tags: [x]\n"
                "        questions: [do parenting programmes help neglect?]",
            ),
        },
    )
    assert main(["validate", str(root)]) == 0
    out = capsys.readouterr().out
    assert "old.yaml: warning: reviewed 2020-01-01, more than 12 months ago" in out
    assert "no 'reviewed' date" not in out
    assert "would shadow each other" in out
    assert "ok: 3 items" in out


def test_coverage_and_stale_reports(knowledge_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", str(knowledge_dir)]) == 0
    out = capsys.readouterr().out
    assert "4 items" in out and "reducing the need for care" in out and "strong" in out
    assert main(["stale", str(knowledge_dir)]) == 0
    assert "No items are due for review" in capsys.readouterr().out
