"""The console chat, driven through scripted stdin of a real ``python -m bot`` process."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import run


def test_console_answers_piped_lines_in_order_and_exits_cleanly(knowledge_dir: Path, glossary_file: Path) -> None:
    script = "hi\nthemes\nfgc evidence?\nshow marac\nwhat about dolphins\nquit\nthis line is never read\n"
    result = run("chat", "--knowledge", str(knowledge_dir), "--glossary", str(glossary_file), stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = [
        "> hi",
        "Hello!",
        "> themes",
        "reducing the need for care (1)",
        "> fgc evidence?",
        "Family group conferences",
        "Positive effect on children entering care",
        "> show marac",
        "https://safelives.org.uk/",
        "> what about dolphins",
        "I couldn't find evidence",
    ]
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "never read" not in out


def test_python_m_bot_with_no_arguments_is_the_console(knowledge_dir: Path, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_KNOWLEDGE_DIR={knowledge_dir}\n")
    result = run(stdin="group supervision evidence\n", cwd=tmp_path)
    assert result.returncode == 0 and "Group supervision for social workers" in result.stdout
