"""The Block Kit renderer on its own: every reply kind, Slack's limits, safe truncation, safe text."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from test_slack_support import CURATED, control_problems, shown_strings

from adapters.slack import blocks as kit
from adapters.slack import views
from adapters.slack.blocks import Place, fit, reply_message, shared_message
from bot import Conversation, Engine, Kind, KnowledgeItem, Link, Match, Reply, messages
from bot.knowledge import Evidence


def limits_problems(blocks: list[dict[str, Any]], max_blocks: int = kit.MAX_BLOCKS) -> list[str]:
    """Slack's documented limits, checked by hand (slack_sdk's models check them again below)."""
    problems = [] if len(blocks) <= max_blocks else [f"{len(blocks)} blocks"]
    for block in blocks:
        kind = block["type"]
        if kind == "header" and len(block["text"]["text"]) > kit.MAX_HEADER:
            problems.append("header too long")
        if kind == "section" and len(block.get("text", {}).get("text", "")) > kit.MAX_SECTION:
            problems.append("section too long")
        if kind == "context" and len(block["elements"]) > 10:
            problems.append("context has more than 10 elements")
        if kind == "actions" and len(block["elements"]) > kit.MAX_ACTIONS:
            problems.append("actions has more than 25 elements")
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                if len(element["text"]["text"]) > kit.MAX_BUTTON:
                    problems.append("button text too long")
                if len(element.get("value", "")) > kit.MAX_VALUE or element.get("value") == "":
                    problems.append("bad button value")
        if len(block.get("block_id", "")) > 255:
            problems.append("block_id too long")
    for text in _text_objects(blocks):
        if not text["text"]:
            problems.append("empty text object")
        if text["type"] == "mrkdwn" and text.get("verbatim") is not True:
            problems.append("mrkdwn without verbatim")
    return problems


def _text_objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            found.append(node)
        for value in node.values():
            found += _text_objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _text_objects(value)
    return found


def assert_valid(blocks: list[dict[str, Any]], max_blocks: int = kit.MAX_BLOCKS) -> None:
    assert limits_problems(blocks, max_blocks) == []
    assert [b.to_dict() for b in Block.parse_all(blocks)] == blocks  # slack_sdk's own validators agree


@pytest.fixture
def conversation(engine: Engine) -> Conversation:
    return Conversation(engine, research_lead="the research lead")


KINDS = [
    (["do family group conferences stop children coming into care?"], Kind.ANSWER),
    (["what helps reunification after care?"], Kind.DID_YOU_MEAN),
    (["quantum chromodynamics"], Kind.NO_MATCH),
    (["help"], Kind.HELP),
    (["themes"], Kind.THEMES),
    (["theme supervision"], Kind.THEME),
    (["show marac"], Kind.ITEM),
    (["hello"], Kind.SMALL_TALK),
    (["more"], Kind.NOTICE),
    (["fgc", "yes"], Kind.FEEDBACK),
    (["is a child in immediate danger tonight after a disclosure of neglect?"], None),
]


@pytest.mark.parametrize(("said", "kind"), KINDS, ids=[k.value if k else "urgent" for _, k in KINDS])
@pytest.mark.parametrize("place", list(Place))
def test_every_kind_of_reply_renders_within_limits(
    conversation: Conversation, said: list[str], kind: Kind | None, place: Place
) -> None:
    for text in said:
        reply = conversation.handle(text, user="tester", surface="slack")
    if kind is not None:
        assert reply.kind is kind
    message = reply_message(reply, place)
    assert_valid(message.blocks)
    assert message.text.strip()
    assert control_problems({"text": message.text, "blocks": message.blocks}, urls=CURATED) == []


def test_more_and_theme_lists_render_one_section_per_item(engine: Engine) -> None:
    matches = tuple(Match(item, 50.0) for item in engine.items)
    reply = Reply(Kind.MORE, messages.MORE_LEAD.format(question="care"), choices=matches)
    message = reply_message(reply)
    assert_valid(message.blocks)
    assert [b["accessory"]["value"] for b in message.blocks if b.get("accessory")] == [i.id for i in engine.items]


def test_an_answer_card_has_the_facts_in_order_and_the_buttons(conversation: Conversation) -> None:
    reply = conversation.handle("do family group conferences stop children coming into care?", user="t")
    message = reply_message(reply, Place.CHAT)
    texts = list(shown_strings(message.blocks))
    order = [
        messages.ANSWER_LEAD,
        "Family group conferences",
        "A family group conference brings",
        "Positive effect on children entering care, strong evidence (Foundations, 2023)",
        "Reviewed 2026-10-01",
        "<https://foundations.org.uk/|Trial report>",
        messages.FOOTER,
    ]
    positions = [next(n for n, t in enumerate(texts) if part in t) for part in order]
    assert positions == sorted(positions)
    actions = [e["action_id"] for e in message.blocks[-2]["elements"]]
    assert actions == ["share_to_channel"]
    [feedback] = message.blocks[-1]["elements"]  # Block Kit's own thumbs up / down in a chat message
    assert message.blocks[-1]["type"] == "context_actions" and feedback["type"] == "feedback_buttons"
    assert json.loads(feedback["positive_button"]["value"]) == {
        "q": reply.question_id,
        "i": "family-group-conferences",
        "h": 1,
    }
    assert json.loads(feedback["negative_button"]["value"])["h"] == 0
    private = reply_message(reply, Place.EPHEMERAL).blocks[-1]["elements"]  # the classic buttons' value
    value = json.loads(next(e["value"] for e in private if e["action_id"] == "feedback_helpful"))
    assert value == {"q": reply.question_id, "i": "family-group-conferences"}
    assert "Family group conferences" in message.text and messages.ANSWER_LEAD in message.text


def test_the_place_decides_the_buttons(conversation: Conversation) -> None:
    reply = conversation.handle("fgc", user="t")

    def actions(place: Place) -> list[str]:
        return [
            e["action_id"] for b in reply_message(reply, place).blocks if b["type"] == "actions" for e in b["elements"]
        ]

    assert actions(Place.EPHEMERAL)[:2] == ["post_in_channel", "share_to_channel"]
    assert actions(Place.MODAL) == ["share_to_channel"]
    assert "feedback_helpful" in actions(Place.EPHEMERAL)  # the classic buttons where Slack has no native element
    assert "feedback_helpful" not in actions(Place.CHAT)
    assert [b["type"] for b in reply_message(reply, Place.CHAT).blocks][-1] == "context_actions"
    assert "context_actions" not in [b["type"] for b in reply_message(reply, Place.EPHEMERAL).blocks]


def test_suggestions_are_buttons_with_none_of_these(conversation: Conversation) -> None:
    reply = conversation.handle("what helps reunification after care?", user="t")
    elements = reply_message(reply).blocks[-1]["elements"]
    assert [e["value"] for e in elements[:-1]] == [m.item.id for m in reply.choices]
    assert elements[-1]["action_id"] == "none_of_these" and elements[-1]["text"]["text"] == messages.NONE_OF_THESE


def _huge_item() -> KnowledgeItem:
    return KnowledgeItem(
        id="huge-item",
        title="Family & friends care " * 20 + "&",
        summary="Carers & children <said> it helped. " * 400,
        links=tuple(Link(f"Report & appendix {n} " * 10, f"https://example.org/report/{n}") for n in range(40)),
        findings=tuple(f"Finding {n}: carers & kin <reported> more stability. " * 5 for n in range(60)),
        evidence=Evidence(strength="moderate", effect="mixed", outcome="placement stability & permanence" * 20),
        themes=tuple(f"theme {n}" for n in range(5)),
        reviewed=dt.date(2026, 1, 1),
    )


@pytest.mark.parametrize("kind", [Kind.ANSWER, Kind.ITEM])
def test_a_huge_item_is_truncated_without_breaking_an_entity(kind: Kind) -> None:
    item = _huge_item()
    reply = Reply(kind, item.title if kind is Kind.ITEM else messages.ANSWER_LEAD, item=item, see_also=(item, item))
    message = reply_message(reply, Place.EPHEMERAL)
    assert_valid(message.blocks)
    urls = {link.url for link in item.links}
    assert control_problems({"text": message.text, "blocks": message.blocks}, urls=urls) == []
    header = next(b for b in message.blocks if b["type"] == "header")["text"]["text"]
    assert header.endswith("…") and len(header) <= kit.MAX_HEADER
    total = sum(len(t) for t in shown_strings(message.blocks))
    assert total < 13_000  # Slack's undocumented combined limit (msg_blocks_too_long)
    assert message.blocks[-1]["type"] == "actions"


def test_long_lists_are_capped_and_counted(engine: Engine) -> None:
    item = engine.items[0]
    many = tuple(Match(item, 40.0) for _ in range(60))
    message = reply_message(Reply(Kind.THEME, "Evidence on everything:", choices=many))
    assert_valid(message.blocks)
    assert message.blocks[-1]["elements"][0]["text"] == "… and 45 more."
    suggestions = reply_message(Reply(Kind.DID_YOU_MEAN, messages.DID_YOU_MEAN, choices=many))
    assert_valid(suggestions.blocks)
    themes = tuple((f"theme & topic {n} " * 8, n) for n in range(120))
    listing = reply_message(Reply(Kind.THEMES, messages.THEMES_LEAD, themes=themes))
    assert_valid(listing.blocks)
    assert sum(len(b["elements"]) for b in listing.blocks if b["type"] == "actions") == kit.MAX_THEME_BUTTONS


def test_cap_blocks_keeps_the_buttons() -> None:
    many = [kit.section_plain(str(n)) for n in range(80)] + [{"type": "actions", "elements": []}]
    capped = kit.cap_blocks(many, 50)
    assert len(capped) == 50 and capped[-1]["type"] == "actions" and capped[-2]["text"]["text"] == "48"


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6, 10, 75, 150])
@pytest.mark.parametrize("text", ["&&&&&&&&&&&&&&&&&&", "<<<<>>>>", "a & b < c > d " * 30, "x" * 200, "é😀&" * 60])
def test_fit_never_exceeds_the_limit_or_splits_an_entity(text: str, limit: int) -> None:
    out = fit(text, limit)
    assert len(out) <= limit
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)
    assert "<" not in out and ">" not in out
    if len(kit.escape(text)) <= limit:
        assert out == kit.escape(text)
    else:
        assert out.endswith("…")


def test_curated_text_cannot_ping_link_or_break_out() -> None:
    item = KnowledgeItem(
        id="hostile",
        title="<!channel> Family & friends <@U123>",
        summary="See <https://evil.example|NHS guidance> & <#C999|general> *now*",
        links=(Link("Report > summary <!here>", "https://ok.example/report"), Link("bad", "javascript:alert(1)")),
        evidence=Evidence(strength="strong", effect="positive", source="<!everyone>"),
    )
    message = reply_message(Reply(Kind.ITEM, item.title, item=item))
    assert control_problems({"text": message.text, "blocks": message.blocks}, urls={"https://ok.example/report"}) == []
    shown = "\n".join(shown_strings(message.blocks))
    assert "&lt;!channel&gt; Family &amp; friends &lt;@U123&gt;" in shown
    assert "javascript:" not in json.dumps(message.blocks)


def test_a_shared_card_names_the_sharer_shows_the_note_as_plain_text_and_has_no_buttons(engine: Engine) -> None:
    item = next(i for i in engine.items if i.id == "family-group-conferences")
    message = shared_message(
        item, sharer_id="U0LEAD0001", sharer_name="jo.teamlead", note="<!channel> *read* this & act"
    )
    assert_valid(message.blocks)
    assert message.blocks[0]["elements"][0]["text"] == "Shared by <@U0LEAD0001>"
    note = message.blocks[1]["text"]
    assert note == {
        "type": "plain_text",
        "text": "Note from jo.teamlead: &lt;!channel&gt; *read* this &amp; act",
        "emoji": True,
    }
    assert not [b for b in message.blocks if b["type"] == "actions"]
    assert "<@" not in message.text and message.text == "Shared by jo.teamlead: Family group conferences"
    problems = control_problems(message.blocks, urls=CURATED, users={"U0LEAD0001"})
    assert problems == []


def test_a_sharer_id_that_is_not_a_user_id_is_not_turned_into_markup(engine: Engine) -> None:
    message = shared_message(engine.items[0], sharer_id="!channel", sharer_name="<!here>")
    assert control_problems(message.blocks, urls=CURATED) == []


def test_the_urgent_notice_comes_first(conversation: Conversation) -> None:
    reply = conversation.handle("a child disclosed neglect tonight, is she in immediate danger?", user="t")
    assert messages.URGENT in reply.notices
    message = reply_message(reply)
    assert message.blocks[0]["text"]["text"].endswith(messages.URGENT)
    assert message.text.startswith(messages.URGENT)


def _check_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()  # slack_sdk checks titles, block count and metadata length
    assert len(view["blocks"]) <= kit.MAX_VIEW_BLOCKS
    assert len(view.get("private_metadata", "")) <= views.MAX_METADATA
    for key in ("title", "submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= views.MAX_TITLE
    assert limits_problems(view["blocks"], kit.MAX_VIEW_BLOCKS) == []


def test_the_modals_and_the_home_tab_are_valid_views(conversation: Conversation, engine: Engine) -> None:
    item = engine.items[0]
    share = views.share_modal(item, channel="C0FOSTER1")
    assert share["blocks"][1]["element"]["initial_conversation"] == "C0FOSTER1"
    assert views.share_modal(item, channel="D0EVDM001")["blocks"][1]["element"]["default_to_current_conversation"]
    feedback = views.feedback_modal(
        question_id="q1", item_id=item.id, response_url="https://hooks.example/" + "x" * 4000
    )
    assert feedback["notify_on_close"] is True and json.loads(feedback["private_metadata"]) == {"q": "q1", "i": item.id}
    home = views.home_view(conversation.themes(), conversation.recently_reviewed(5))
    assert home["type"] == "home"
    recent = [b["accessory"]["value"] for b in home["blocks"] if b.get("block_id", "").startswith("recent_")]
    assert recent == ["family-group-conferences", "group-supervision", "graded-care-profile", "marac"]
    for view in (share, feedback, views.ask_modal(), views.reply_modal(conversation.handle("show marac", user="t"))):
        _check_view(view)
    for block in home["blocks"]:
        Block.parse(block)
    assert limits_problems(home["blocks"], kit.MAX_VIEW_BLOCKS) == []
