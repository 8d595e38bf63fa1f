"""Replies as styled lines for terminals and plain-text fallbacks (the console, ``ask`` without --json).

Each line is ``(style, text)``; the console maps styles to colours, plain output ignores them. Chat
platforms have their own renderers in ``adapters/``; they reuse ``card_facts`` so every surface shows the
same facts in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import messages
from bot.conversation import Kind, Reply
from bot.knowledge import KnowledgeItem

Line = tuple[str, str]


@dataclass(frozen=True, slots=True)
class CardFacts:
    """The facts of one evidence card, in the order every surface shows them."""

    title: str
    summary: str
    effect: str
    reviewed: str
    links: tuple[tuple[str, str], ...]
    findings: tuple[str, ...]


def card_facts(item: KnowledgeItem) -> CardFacts:
    reviewed = messages.REVIEWED.format(date=item.reviewed.isoformat()) if item.reviewed else messages.NOT_REVIEWED
    return CardFacts(
        title=item.title,
        summary=item.summary,
        effect=messages.effect_line(item.evidence),
        reviewed=reviewed,
        links=tuple((link.title, link.url) for link in item.links),
        findings=item.findings,
    )


def reply_lines(reply: Reply) -> list[Line]:
    lines: list[Line] = [("notice", n) for n in reply.notices if n == messages.URGENT]
    lines.append(("lead", reply.text))
    if reply.item is not None:
        lines += _card(reply.item, full=reply.kind is Kind.ITEM)
        for other in reply.see_also:
            lines.append(("dim", f"{messages.SEE_ALSO}: {other.title}  (show {other.id})"))
        lines.append(("dim", messages.FOOTER))
    for n, match in enumerate(reply.choices, 1):
        score = f"  [{match.score:.0f}]" if match.score else ""
        lines.append(("choice", f"{n}. {match.item.title}  (show {match.item.id}){score}"))
    if reply.kind is Kind.DID_YOU_MEAN and reply.answer is not None:
        lines.append(("dim", messages.PICK_HINT))
    if reply.kind in (Kind.MORE, Kind.THEME):
        lines.append(("dim", messages.OPEN_HINT))
    for theme, count in reply.themes:
        lines.append(("choice", f"• {theme} ({count})"))
    lines += [("notice", n) for n in reply.notices if n != messages.URGENT]
    return lines


def _card(item: KnowledgeItem, *, full: bool) -> list[Line]:
    facts = card_facts(item)
    lines: list[Line] = [("title", facts.title)]
    if facts.effect:
        lines.append(("effect", facts.effect))
    lines.append(("body", facts.summary))
    if full and facts.findings:
        lines.append(("heading", messages.FINDINGS))
        lines += [("body", f"• {f}") for f in facts.findings]
    links = facts.links if full else facts.links[:2]
    lines.append(("heading", messages.LINKS))
    lines += [("link", f"• {title}: {url}") for title, url in links]
    if not full and len(facts.links) > 2:
        lines.append(("dim", f"  (and {len(facts.links) - 2} more: show {item.id})"))
    lines.append(("dim", facts.reviewed))
    return lines


def reply_text(reply: Reply) -> str:
    """The reply as plain text, one line per fact."""
    return "\n".join(text for _, text in reply_lines(reply))
