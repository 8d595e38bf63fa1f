"""The conversation every surface shares, read like a chat."""

from __future__ import annotations

from collections.abc import Callable

from bot import Kind, Reply, messages
from bot.render import reply_text
from bot.runtime import Runtime


def test_confident_answer_is_a_card_with_effect_line_and_footer(chat: Callable[[str], Reply]) -> None:
    reply = chat("fgc evidence?")
    assert reply.kind is Kind.ANSWER and reply.item is not None and reply.item.id == "family-group-conferences"
    text = reply_text(reply)
    assert "Positive effect on children entering care, strong evidence (Foundations, 2023)" in text
    assert "Reviewed 2026-10-01" in text
    assert "https://foundations.org.uk/" in text
    assert messages.FOOTER in text


def test_unsure_answer_offers_suggestions_then_none_of_these_records_a_gap(
    chat: Callable[[str], Reply],
) -> None:
    reply = chat("supervision")
    assert reply.kind in (Kind.DID_YOU_MEAN, Kind.ANSWER)
    reply = chat("family court assessments")
    if reply.kind is Kind.DID_YOU_MEAN:
        assert reply.choices and reply.answer is not None
    gap = chat("none of these")
    assert gap.kind is Kind.NO_MATCH and messages.GAP_RECORDED in gap.text


def test_no_match_is_kind_and_points_to_themes_and_the_research_lead(chat: Callable[[str], Reply]) -> None:
    reply = chat("what is the evidence on equine therapy for dolphins")
    assert reply.kind is Kind.NO_MATCH
    assert "themes" in reply.text and "the research lead" in reply.text


def test_small_talk_gets_a_human_reply_not_a_failed_search(chat: Callable[[str], Reply]) -> None:
    assert chat("hi!").kind is Kind.SMALL_TALK
    assert chat("thanks very much").kind is Kind.SMALL_TALK
    assert chat("Good morning").text == messages.GREETING_REPLY


def test_help_themes_theme_and_show(chat: Callable[[str], Reply]) -> None:
    assert chat("help").text == messages.HELP
    themes = chat("themes")
    assert ("reducing the need for care", 1) in themes.themes
    theme = chat("theme neglect")  # close enough to "neglect and parental needs"
    assert theme.kind is Kind.THEME and [m.item.id for m in theme.choices] == ["graded-care-profile"]
    unknown = chat("theme astronomy")
    assert unknown.kind is Kind.THEMES and "astronomy" in unknown.text
    shown = chat("show marac")
    assert shown.kind is Kind.ITEM and shown.item is not None and "safelives.org.uk" in reply_text(shown)
    typo = chat("show mrac")
    assert typo.kind is Kind.DID_YOU_MEAN and typo.choices[0].item.id == "marac"


def test_more_continues_the_last_question(chat: Callable[[str], Reply]) -> None:
    assert chat("more").text == messages.NOTHING_TO_CONTINUE
    chat("family group conference or group supervision or neglect or marac")
    more = chat("more")
    assert more.kind in (Kind.MORE, Kind.NOTICE)


def test_urgent_safeguarding_concern_is_pointed_to_local_procedures(chat: Callable[[str], Reply]) -> None:
    reply = chat("child disclosed being hit tonight, does fgc help")
    assert messages.URGENT in reply.notices
    assert messages.URGENT not in chat("fgc evidence").notices


def test_long_message_tells_the_user_it_was_shortened(chat: Callable[[str], Reply]) -> None:
    reply = chat("group supervision " + "and so on " * 500)
    assert any("only read the first" in n for n in reply.notices)


def test_a_number_opens_the_matching_entry_of_the_last_list(chat: Callable[[str], Reply]) -> None:
    assert chat("2").text == messages.NO_SUCH_CHOICE
    theme = chat("theme neglect")
    opened = chat("1")
    assert opened.kind is Kind.ITEM and opened.item is not None and opened.item.id == theme.choices[0].item.id
    assert chat("9").text == messages.NO_SUCH_ENTRY.format(count=len(theme.choices))


def test_yes_or_no_after_an_answer_is_feedback_on_that_answer(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("do family group conferences work?", user="U1").kind is Kind.ANSWER
    assert ask("no - nothing about teenagers", user="U1").text == messages.FEEDBACK_THANKS_REASON
    assert ask("yes", user="U1").kind is not Kind.FEEDBACK  # feedback is given once per answer
    assert ask("group supervision evidence", user="U2").kind is Kind.ANSWER
    assert ask("yes", user="U2").text == messages.FEEDBACK_THANKS
    rows = [(f.item_id, f.helpful, f.reason) for f in runtime.store.feedback_since()]
    assert rows == [("family-group-conferences", False, "nothing about teenagers"), ("group-supervision", True, "")]


def test_feedback_in_everyday_words_is_recorded_and_thanks_are_small_talk(runtime: Runtime) -> None:
    """ "thanks, that's really useful" and "That wasn't helpful" after an answer are feedback on it, not a new
    question with no topic; without an answer to rate, thanks in any form are small talk."""
    ask = runtime.conversation.handle
    assert ask("do family group conferences work?", user="U1").kind is Kind.ANSWER
    assert ask("thanks, that's really useful", user="U1").text == messages.FEEDBACK_THANKS
    assert ask("group supervision evidence", user="U2").kind is Kind.ANSWER
    assert ask("That wasn't helpful", user="U2").kind is Kind.FEEDBACK
    assert ask("marac evidence", user="U3").kind is Kind.ANSWER
    assert ask("not what I needed", user="U3").kind is Kind.FEEDBACK
    rows = [(f.item_id, f.helpful) for f in runtime.store.feedback_since()]
    assert rows == [("family-group-conferences", True), ("group-supervision", False), ("marac", False)]
    for thanks in ("brill thanks", "Kind regards", "diolch yn fawr", "cheers all"):
        assert ask(thanks, user="U4").kind is Kind.SMALL_TALK, thanks


def test_questions_about_the_bot_get_the_help_and_the_themes(chat: Callable[[str], Reply]) -> None:
    for asked in ("help please", "how do I use this?", "who made you", "are you a real person?", "can you help me"):
        assert chat(asked).text == messages.HELP, asked
    for asked in ("what topics do you cover?", "list topics", "what do you cover"):
        assert chat(asked).kind is Kind.THEMES, asked


def test_no_followed_by_a_question_is_a_new_question_not_feedback(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("do family group conferences work?", user="U1").kind is Kind.ANSWER
    reply = ask("no, what about group supervision?", user="U1")
    assert reply.item is not None and reply.item.id == "group-supervision"
    assert runtime.store.feedback_since() == []


def test_buttons_record_feedback_none_of_these_and_shares_with_their_ids(runtime: Runtime) -> None:
    conversation = runtime.conversation
    reply = conversation.handle("family court assessments", user="U1", surface="slack")
    assert reply.kind is Kind.DID_YOU_MEAN and reply.question_id
    conversation.none_of_these("U9", "slack", question_id=reply.question_id)  # a click carries its question
    [row] = runtime.store.questions_since()
    assert row.none_of_these
    shared = conversation.share("marac", user="U1", surface="slack", event_id="v1")
    assert shared.kind is Kind.ITEM and shared.item is not None and shared.item.id == "marac"
    assert runtime.store.share_counts() == {"marac": 1}
    assert conversation.share("nope", user="U1", surface="slack").kind is Kind.NOTICE
    assert [i.id for i in conversation.recently_reviewed(2)] == ["family-group-conferences", "group-supervision"]
