"""Follow-ups read like a chat: a short message that only makes sense after the last reply ("how strong is that?",
"the second one", "no, I meant MARAC", "what about in Wales?") is answered from the thread's state, and a message
with a topic of its own is never taken for one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot import (
    DEFAULT_GLOSSARY,
    DEFAULT_KNOWLEDGE,
    Conversation,
    Kind,
    Library,
    Reply,
    Settings,
    messages,
    open_library,
)
from bot.followups import AboutLast, Aspect, Correct, Narrow, Pick, Reading, Refine, parse
from bot.render import reply_text
from bot.runtime import Runtime


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("how strong is that evidence?", AboutLast(Aspect.STRENGTH)),
        ("ok so is that good evidence or not", AboutLast(Aspect.STRENGTH)),
        ("was it an rct", AboutLast(Aspect.STRENGTH)),
        ("did it work though?", AboutLast(Aspect.STRENGTH)),
        ("hw strong is the evidnce", AboutLast(Aspect.STRENGTH)),
        ("thanks Sarah, how strong is that?", AboutLast(Aspect.STRENGTH)),
        ("lol is that even a proper study", AboutLast(Aspect.STRENGTH)),
        ("Thanks Jo! Was that an RCT?", AboutLast(Aspect.STRENGTH)),
        ("really interesting, thanks so much - roughly how many young people were in it?", AboutLast(Aspect.STRENGTH)),
        ("diolch, where's that from?", AboutLast(Aspect.SOURCE)),
        ("Is it UK? or US?", AboutLast(Aspect.SOURCE)),
        ("thanks, do you know if that was done in the UK or is it American stuff?", AboutLast(Aspect.SOURCE)),
        ("link?", AboutLast(Aspect.SOURCE)),
        ("who did the study", AboutLast(Aspect.SOURCE)),
        ("is that from the uk or america?", AboutLast(Aspect.SOURCE)),
        ("whos the source", AboutLast(Aspect.SOURCE)),
        ("tell me more", AboutLast(Aspect.DETAIL)),
        ("what were the key findings?", AboutLast(Aspect.DETAIL)),
        ("is there any research on it?", AboutLast(Aspect.DETAIL)),
        ("can i share this with my team", AboutLast(Aspect.SHARE)),
        ("the first one", Pick(1)),
        ("2nd one pls", Pick(2)),
        ("number two please", Pick(2)),
        ("and the last one?", Pick(0)),
        ("yeah that one", Pick(None)),
        ("no i meant MARAC", Correct("MARAC")),
        ("no I meant for Mrs Okafor's son", Correct("Mrs Okafor's son")),  # as written: its names can be found
        ("typo - i meant FFT", Correct("FFT")),
        ("none of these, i meant missing from education", Correct("missing from education", none_fit=True)),
        ("only strong evidence pls", Narrow("strong", None)),
        ("just the ones with no effect", Narrow(None, "no-effect")),
        ("does that apply in wales?", Refine("wales", Reading.TOGETHER)),
        ("same for kinship carers?", Refine("kinship carers", Reading.TOGETHER)),
        ("and for teenagers?", Refine("for teenagers", Reading.NARROWS)),
        ("what about in wales though", Refine("in wales", Reading.NARROWS)),
        ("ok and what about FGCs", Refine("FGCs", Reading.EITHER)),
        (
            "anything for mums whove had several babies removed, to break the cycle",
            Refine("for mums whove had several babies removed, to break the cycle", Reading.EITHER),
        ),
    ],
)
def test_follow_ups_are_read_from_the_whole_message(message: str, expected: object) -> None:
    assert parse(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "how strong is the evidence on FGCs?",
        "does group supervision help?",
        "is it true kids on the poorest estates are more likely to end up in care",
        "i need to take a 7 yr old to contact in my own car tomorrow, does my insurance cover it",
        "i need evidence on kinship care",
        "what works to stop kids coming into care?",
        "2 kids on a plan, what helps",
    ],
)
def test_a_message_with_a_topic_of_its_own_is_no_follow_up(message: str) -> None:
    assert parse(message) is None


# --- answered from the thread's state (the small test base, a real SQLite store) --------------------------------


def test_questions_about_the_answer_just_shown_are_answered_from_its_card(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("do family group conferences work?", user="U1").item.id == "family-group-conferences"  # type: ignore[union-attr]
    strength = ask("how strong is that evidence?", user="U1")
    assert strength.kind is Kind.ITEM and strength.item is not None and strength.item.id == "family-group-conferences"
    assert strength.text.startswith("How strong the evidence is: strong. Randomised trials")
    assert "Trial report" in reply_text(strength)  # the full card follows, every link
    source = ask("where's that from?", user="U1")
    assert source.text == messages.ABOUT_SOURCE.format(source="Foundations, 2023")
    assert ask("tell me more", user="U1").text == messages.ABOUT_DETAIL
    assert ask("is that UK research?", user="U1").item.id == "family-group-conferences"  # type: ignore[union-attr]


def test_a_follow_up_with_nothing_shown_says_so_rather_than_searching(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("what is the evidence on equine therapy for dolphins", user="U1").kind is Kind.NO_MATCH
    assert ask("how strong is that?", user="U1").text == messages.ABOUT_NOTHING
    assert ask("theme neglect", user="U2").kind is Kind.THEME
    assert ask("link?", user="U2").text == messages.ABOUT_WHICH


def test_a_list_entry_can_be_picked_in_words_and_an_answer_is_no_list(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    theme = ask("theme neglect", user="U1")
    opened = ask("the first one please", user="U1")
    assert opened.kind is Kind.ITEM and opened.item is not None and opened.item.id == theme.choices[0].item.id
    assert ask("how strong is it?", user="U1").item == opened.item  # an opened item can be asked about too
    assert ask("marac evidence", user="U2").kind is Kind.ANSWER
    assert ask("number 2", user="U2").text == messages.NO_LIST
    assert runtime.store.feedback_since() == []  # "no. 1" and friends are never a verdict


def test_no_i_meant_answers_what_was_meant_and_records_the_verdict(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("group supervision evidence", user="U1").kind is Kind.ANSWER
    meant = ask("no, I meant MARAC", user="U1")
    assert meant.kind is Kind.ANSWER and meant.item is not None and meant.item.id == "marac"
    assert ask("family group conference evidence", user="U2").kind is Kind.ANSWER
    other = ask("no, group supervision", user="U2")  # a reason that is itself a question with an answer
    assert other.item is not None and other.item.id == "group-supervision"
    assert messages.FEEDBACK_THANKS in other.notices
    rows = [(f.item_id, f.helpful, f.reason) for f in runtime.store.feedback_since()]
    assert rows == [
        ("group-supervision", False, "no, I meant MARAC"),
        ("family-group-conferences", False, "group supervision"),
    ]


def test_everyday_verdicts_are_feedback_and_praise_with_nothing_to_rate_is_thanks(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    for user, verdict in (("U1", "brill ta"), ("U2", "great, exactly what i needed"), ("U3", "that'll do")):
        assert ask("marac evidence", user=user).kind is Kind.ANSWER
        assert ask(verdict, user=user).text == messages.FEEDBACK_THANKS, verdict
    for user, verdict in (("U4", "useless"), ("U5", "hmm not quite"), ("U6", "bit out of date isn't it")):
        assert ask("marac evidence", user=user).kind is Kind.ANSWER
        assert ask(verdict, user=user).kind is Kind.FEEDBACK, verdict
    rows = [(f.helpful, f.reason) for f in runtime.store.feedback_since()]
    assert rows == [(True, ""), (True, ""), (True, ""), (False, ""), (False, ""), (False, "bit out of date isn't it")]
    assert ask("helpful thanks", user="U7").kind is Kind.SMALL_TALK


def test_names_in_a_follow_up_are_removed_before_it_is_stored_or_repeated(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("do family group conferences work?", user="U1").kind is Kind.ANSWER
    refined = ask("does that apply to Liam Murphy who is 15?", user="U1")
    assert "Murphy" not in reply_text(refined) and "Liam" not in reply_text(refined)
    assert ask("marac evidence", user="U2").kind is Kind.ANSWER
    ask("no I meant for Mrs Okafor's son", user="U2")
    stored = " ".join(q.text for q in runtime.store.questions_since())
    stored += " ".join(f.reason for f in runtime.store.feedback_since())
    assert "Murphy" not in stored and "Liam" not in stored and "Okafor" not in stored
    assert "[name]" in stored


def test_rejecting_a_list_in_words_records_a_gap_and_a_pick_past_its_end_says_how_long_it_is(
    runtime: Runtime,
) -> None:
    ask = runtime.conversation.handle
    listed = ask("family court assessments", user="U1")
    assert listed.kind is Kind.DID_YOU_MEAN
    assert ask("9", user="U1").text == messages.NO_SUCH_ENTRY.format(count=len(listed.choices))
    assert ask("hmm not quite", user="U1").text.startswith(messages.GAP_RECORDED)
    [row] = runtime.store.questions_since()
    assert row.none_of_these


def test_chatty_thanks_and_more_are_understood(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("TA BABES 😘", user="U1").kind is Kind.SMALL_TALK
    assert ask("family group conference or group supervision", user="U2").kind is not Kind.NOTICE
    assert ask("moreee", user="U2").kind in (Kind.MORE, Kind.NOTICE)
    assert ask("moreee", user="U2").text != messages.NO_TOPIC
    assert ask("marac evidence", user="U3").kind is Kind.ANSWER
    assert ask("that's brill diolch yn fawr", user="U3").text == messages.FEEDBACK_THANKS
    assert [(f.item_id, f.helpful) for f in runtime.store.feedback_since()] == [("marac", True)]


def test_only_strong_evidence_after_a_theme_narrows_the_theme(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("theme reducing the need for care", user="U1").kind is Kind.THEME
    strong = ask("only strong evidence", user="U1")
    assert [m.item.id for m in strong.choices] == ["family-group-conferences"]
    assert strong.text == messages.NARROWED_LIST.format(what="Strong evidence")
    assert ask("theme neglect", user="U1").kind is Kind.THEME
    assert ask("only strong evidence", user="U1").text == messages.NOTHING_NARROWED_LIST.format(what="strong evidence")


def test_a_message_with_no_topic_keeps_the_thread_so_the_answer_can_still_be_followed(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    assert ask("marac evidence", user="U1").kind is Kind.ANSWER
    assert ask("anything?", user="U1").text == messages.NO_TOPIC
    assert ask("yes", user="U1").text == messages.FEEDBACK_THANKS
    assert ask("link?", user="U1").item.id == "marac"  # type: ignore[union-attr]


def test_a_follow_up_reaching_another_instance_finds_the_same_card(settings: Settings) -> None:
    first, second = Runtime.start(settings), Runtime.start(settings)
    try:
        assert (
            first.conversation.handle("do family group conferences work?", user="U1", thread="C1:1").kind is Kind.ANSWER
        )
        reply = second.conversation.handle("how strong is that?", user="U1", thread="C1:1")
        assert reply.item is not None and reply.item.id == "family-group-conferences"
    finally:
        first.close()
        second.close()


def test_only_strong_evidence_narrows_the_last_results(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    asked = ask("family group conference or group supervision", user="U1")
    assert asked.answer is not None
    ranked = {m.item.id for m in (*asked.answer.results, *asked.answer.suggestions, *asked.answer.further)}
    assert {"family-group-conferences", "group-supervision"} <= ranked
    strong = ask("only strong evidence pls", user="U1")
    assert strong.kind is Kind.THEME and [m.item.id for m in strong.choices] == ["family-group-conferences"]
    assert strong.text.startswith("Strong evidence, among the results for")
    assert ask("1", user="U1").item.id == "family-group-conferences"  # type: ignore[union-attr]
    assert ask("just the harmful ones", user="U1").text.startswith("None of the results for")


# --- refinements, over the bundled evidence base -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Library:
    return open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY)


@pytest.fixture
def talk(bundled: Library) -> Callable[[str], Reply]:
    conversation = Conversation(bundled.engine)
    return lambda message: conversation.handle(message, user="tester")


def test_a_condition_is_read_with_the_last_question(talk: Callable[[str], Reply]) -> None:
    """ "in Wales" alone finds the item on Welsh law; after a question on group supervision it narrows that."""
    assert talk("does group supervision help?").item.id == "systemic-group-supervision"  # type: ignore[union-attr]
    still = talk("what about in wales?")
    assert still.kind is Kind.MORE and [m.item.id for m in still.choices] == ["systemic-group-supervision"]
    assert still.text == messages.STILL_CLOSEST.format(what="in wales")
    assert talk("1").item.id == "systemic-group-supervision"  # type: ignore[union-attr]


def test_a_condition_the_base_has_never_heard_of_finds_nothing(talk: Callable[[str], Reply]) -> None:
    """ "for horses" is read with the last question only if the base knows something of it; it does not."""
    assert talk("does group supervision help?").kind is Kind.ANSWER
    assert talk("what about for horses?").kind is Kind.NO_MATCH
    assert talk("does group supervision help?").kind is Kind.ANSWER
    assert talk("and for under 10s?").kind is Kind.MORE  # a condition of everyday words is read with it


def test_the_see_also_of_an_answer_can_be_picked(talk: Callable[[str], Reply]) -> None:
    answer = talk("does group supervision help?")
    assert answer.kind is Kind.ANSWER and answer.see_also
    opened = talk("the second one")
    assert opened.kind is Kind.ITEM and opened.item == answer.see_also[0]


def test_a_new_topic_in_follow_up_form_is_answered_as_itself(talk: Callable[[str], Reply]) -> None:
    assert talk("does group supervision help?").kind is Kind.ANSWER
    assert talk("what about FGCs?").item.id == "family-group-conferences"  # type: ignore[union-attr]
    assert talk("child sexual exploitation").kind is Kind.ANSWER
    criminal = talk("what about criminal exploitation")
    assert criminal.item is not None and "criminal" in criminal.item.title.lower()


def test_a_narrower_reading_that_finds_another_item_says_how_it_was_read(talk: Callable[[str], Reply]) -> None:
    first = talk("parenting programmes evidence")
    assert first.kind is Kind.DID_YOU_MEAN  # nothing shown yet: "and for dads?" narrows the question
    narrowed = talk("and for dads?")
    assert narrowed.answer is not None and narrowed.answer.question == "parenting programmes evidence for dads"
    assert narrowed.kind is Kind.ANSWER
    assert messages.FOLLOW_UP.format(question="parenting programmes evidence") in narrowed.notices
