"""Property tests: random and hostile Unicode never crashes the engine, the conversation or the renderer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import Conversation, Engine
from bot.render import reply_text

HOSTILE = st.one_of(
    st.text(max_size=10_000),
    st.text(alphabet=st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Mn", "Zs", "So"]), max_size=2_000),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["<", "@", "[", "(", "\u200b", "\u0301", "😀", "1 ", "\x00", "\ud83d"]),
        st.integers(0, 10_000),
    ),
)


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=HOSTILE)
def test_hostile_text_never_crashes(engine: Engine, text: str) -> None:
    answer = engine.answer(text)
    assert answer.elapsed_ms >= 0
    assert len(answer.question) <= 1000
    reply = Conversation(engine).handle(text, user="fuzz")
    rendered = reply_text(reply)
    rendered.encode("utf-8")  # always storable and printable
