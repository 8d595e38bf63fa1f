"""A question that names a programme ("is Caring Dads any good?") is answered with confidence only by an item that
mentions it; ordinary capitals (roles, places, title case, acronyms) name nothing (``bot.matching.programme_names``)."""

from __future__ import annotations

from pathlib import Path

from bot import Conversation, Engine, Kind, load_glossary, load_knowledge, messages
from bot.knowledge import KnowledgeItem, Link
from bot.matching.lexical import LexicalEngine
from bot.matching.programme_names import ProgrammeNames, asked_names, mentions, words
from bot.render import reply_text


def _names(text: str) -> list[str]:
    return [name.text for name in asked_names(text)]


def test_capitalised_words_mid_sentence_name_a_programme() -> None:
    assert _names("hi all, is Caring Dads any good for abusive fathers?") == ["Caring Dads"]
    assert _names("is the Safe and Together model evidence based?") == ["Safe and Together"]
    assert _names("does the Freedom Programme's course help?") == ["Freedom Programme"]
    assert asked_names("is Caring Dads any good?")[0].stems == words("caring dads")
    # read with the reading's spelling corrections
    assert asked_names("is Safe and Togehter any good?", respelt={"togehter": "together"})[0].stems == words(
        "safe and together"
    )


def test_ordinary_capitals_name_nothing() -> None:
    assert _names("Caring for dads - any evidence?") == []  # a capital that starts a sentence
    assert _names("our Team Manager wants evidence on neglect") == []  # a role
    assert _names("a DSL at Hillcrest Primary asked about attendance") == []  # an organisation
    assert _names("we've been asked to look at the North Yorkshire model") == []  # a place
    assert _names("is the DfE guidance on CIN plans out?") == []  # acronyms are the glossary's
    assert _names("we start in Early December") == []  # the calendar
    assert _names("Does Anyone Have Research On Family Group Conferences") == []  # title case
    # words of emphasis, job titles, meetings and plans, people, one hyphenated word
    assert _names("hi, does signs of safety Actually Work") == []
    assert _names("our Senior Practitioner asked about group supervision") == []
    assert _names("a chronology for the Pre-Proceedings Meeting") == []
    assert _names("family time in the Care Plan") == []
    assert _names("our Social Worker Tom asked about FGCs") == []
    assert _names("a teenager who is Self-Harming in foster care") == []


def test_a_kind_word_is_left_off_the_end_and_a_glossary_form_inside_a_name_is_a_term() -> None:
    assert [n.stems for n in asked_names("any evaluation of the Lifelong Links Programme")] == [words("lifelong links")]
    assert asked_names("what does the Early Help Assessment Toolkit say?", [words("early help")]) == ()


def test_glossary_forms_are_terms_not_names() -> None:
    known = [words("family group conference")]
    assert asked_names("do Family Group Conferences work for teenagers?", known) == ()


def test_an_item_mentions_a_name_as_written_as_one_word_or_part_by_part() -> None:
    item = words("Step Up to Social Work and Frontline both train graduates. The coronavirus pandemic slowed it.")
    assert mentions(item, words("Step Up"))
    assert mentions(item, words("Corona Virus"))
    assert mentions(item, words("Step Up and Frontline"))  # each part, though not joined in the text
    assert not mentions(item, words("Up Frontline"))
    assert not mentions(item, words("Caring Dads"))


FATHERS = KnowledgeItem(
    id="engaging-fathers",
    title="Engaging fathers in child protection",
    summary="Reviews find that fathers, including abusive fathers, are often left out of assessments and plans.",
    links=(Link("Review", "https://example.org/fathers"),),
    questions=("How do we engage fathers who have been abusive?", "Does working with dads make children safer?"),
)


def test_a_confident_answer_must_mention_the_programme_asked_about(tmp_path: Path) -> None:
    """Both engines: the item about fathers answers "how do we engage abusive fathers?", but for a programme it
    never names it is only offered as "did you mean"."""
    for engine in (Engine([FATHERS], None, vector_cache=tmp_path), LexicalEngine([FATHERS])):
        plain = engine.answer("how do we engage fathers who have been abusive?")
        assert [m.item.id for m in plain.results] == ["engaging-fathers"] and plain.not_covered == ()
        named = engine.answer("hi all, is Bright Horizons Dads good for engaging fathers who have been abusive?")
        assert named.results == ()
        assert [m.item.id for m in named.suggestions] == ["engaging-fathers"]
        assert named.not_covered == ("Bright Horizons Dads",)
        assert named.to_json()["not_covered"] == ["Bright Horizons Dads"]


def test_the_reply_says_the_collection_has_nothing_on_the_programme_itself(tmp_path: Path) -> None:
    conversation = Conversation(Engine([FATHERS], None, vector_cache=tmp_path))
    reply = conversation.handle("is Bright Horizons Dads good for engaging fathers who have been abusive?")
    assert reply.kind is Kind.DID_YOU_MEAN
    assert messages.NOT_COVERED.format(names="“Bright Horizons Dads”") in reply.notices
    assert "Bright Horizons Dads" in reply_text(reply)


def test_a_role_written_with_capitals_does_not_stop_an_answer(tmp_path: Path) -> None:
    engine = Engine([FATHERS], None, vector_cache=tmp_path)
    answer = engine.answer("our Team Manager asks: how do we engage fathers who have been abusive?")
    assert [m.item.id for m in answer.results] == ["engaging-fathers"]


def test_the_bundled_glossary_and_base_answer_their_own_programme_names() -> None:
    """Every item title of the bundled base, asked about mid-sentence, names nothing its own item lacks."""
    root = Path(__file__).resolve().parent.parent / "knowledge"
    glossary = load_glossary(root / "glossary.yaml")
    items = load_knowledge(root, exclude=[root / "glossary.yaml"]).items
    check = ProgrammeNames(form for entry in glossary.entries for form in entry.forms)
    for item in items:
        wanted = check.asked(f"any evidence on {item.title}?")
        assert check.mentioned(item, wanted), (item.id, wanted)
