"""The Teams admin guide stays honest: every variable the adapter reads and both commands are documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "adapters" / "teams" / "README.md").read_text(encoding="utf-8")
READS = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|getenv\(|env=)\s*["']([A-Za-z][A-Za-z0-9_]+)["']""")


def test_every_variable_the_teams_adapter_reads_is_in_its_guide() -> None:
    read = {name for path in (ROOT / "adapters" / "teams").rglob("*.py") for name in READS.findall(path.read_text())}
    assert {"MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId", "MicrosoftAppType"} <= read
    assert sorted(name for name in read if f"`{name}`" not in GUIDE) == []


def test_the_guide_shows_the_two_commands() -> None:
    assert "python -m adapters.teams " in GUIDE or "python -m adapters.teams\n" in GUIDE
    assert "python -m adapters.teams.package --out evidence-bot-teams.zip" in GUIDE
