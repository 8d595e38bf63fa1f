"""Slack's escaping, both ways: control sequences out of questions, the three characters escaped once."""

from __future__ import annotations

import pytest

from adapters.slack.escape import escape, is_channel_id, link, question_text, unescape, user_mention


@pytest.mark.parametrize(
    ("sent", "question"),
    [
        ("<@U0EVBOT01> what works for neglect &amp; parenting? <!here>", "what works for neglect & parenting?"),
        ("does FGC reduce entry to care &amp; re-referrals?", "does FGC reduce entry to care & re-referrals?"),
        ("<!channel> <!everyone> <!subteam^S123|@leads> fgc", "fgc"),
        ("ask <@U123|sam> about <#C123|fostering-team>", "ask about fostering-team"),
        ("see <https://evil.example|NHS guidance> and <https://x.example>", "see NHS guidance and"),
        ("meeting on <!date^1767960000^{date}|1 May 2026>", "meeting on 1 May 2026"),
        ("I typed &lt;!channel&gt; literally", "I typed <!channel> literally"),
        ("I typed &amp;lt; literally", "I typed &lt; literally"),
        ("  spaced\n\nout  ", "spaced out"),
        ("does FGC work? :pray: :thinking_face: :+1::skin-tone-3:", "does FGC work?"),  # emoji are no words
        ("visit at 10:30:00, ratio 3:1, see s.47:re", "visit at 10:30:00, ratio 3:1, see s.47:re"),
        ("", ""),
    ],
)
def test_question_text_keeps_words_and_drops_markup(sent: str, question: str) -> None:
    assert question_text(sent, "U0EVBOT01") == question


def test_escape_is_exactly_the_three_characters_once() -> None:
    assert escape("a & b < c > d 'e' \"f\"") == "a &amp; b &lt; c &gt; d 'e' \"f\""
    assert escape("&amp;") == "&amp;amp;"
    assert unescape(escape("<!here> & &lt;")) == "<!here> & &lt;"


def test_what_slack_sent_comes_back_out_as_slack_sent_it() -> None:
    sent = "neglect &amp; parenting &lt;3"
    assert escape(question_text(sent)) == sent


def test_mentions_only_for_real_user_ids() -> None:
    assert user_mention("U0LEAD0001") == "<@U0LEAD0001>"
    assert user_mention("W0GRID001") == "<@W0GRID001>"
    for bad in ("!channel", "U1>|<!here", "", "u0lower", "C0CHANNEL"):
        assert user_mention(bad) == ""
    assert is_channel_id("C0FOSTER1") and is_channel_id("G0PRIVATE") and not is_channel_id("C0>x")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "https://a|b", "https://a>b", "https://a b", "ftp://x", "https://x\n"],
)
def test_links_only_for_safe_http_urls(url: str) -> None:
    assert link(url, "Report <1> & co") == "Report &lt;1&gt; &amp; co"


def test_a_safe_link_keeps_its_url_and_escapes_its_label() -> None:
    assert link("https://example.org/a?b=1", "A & B") == "<https://example.org/a?b=1|A &amp; B>"
