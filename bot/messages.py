"""Every sentence a practitioner or operator reads, in one place, so its tone can be reviewed in one sitting.

Plain English, calm, no jokes, no blame. Slack, Teams and the console all take their words from here;
only layout differs between them.
"""

from __future__ import annotations

from bot.knowledge import Evidence

BOT_NAME = "Evidence bot"

HELP = (
    "Ask me about research in children's social care, in your own words, for example:\n"
    "  • does group supervision help?\n"
    "  • what works to stop kids coming into care?\n"
    "  • FGC evidence?\n"
    "I'll show a short summary of what the research says, how strong it is, and where to read more: curated "
    "summaries, reviewed by people, not text written by a machine.\n"
    "Other things you can type:\n"
    "  • themes: the topics I cover\n"
    "  • theme <name>: the evidence on one topic\n"
    "  • strong evidence on <topic>, theme <name> strong, trials with no effect: lists filtered by strength or effect\n"
    "  • show <id>: the full card for one item, with findings and every link\n"
    "  • after an answer: how strong is that?, link?, tell me more, what about for teenagers?, no I meant …\n"
    "  • more: further results for your last question\n"
    "  • help: this message"
)
FOOTER = "Evidence supports professional judgement; it does not replace it."

ANSWER_LEAD = "Here's the closest evidence I have:"
DID_YOU_MEAN = "I'm not certain I've understood. Did you mean one of these?"
NONE_OF_THESE = "None of these"
PICK_HINT = "Type a number to open one, or 'none' if none of these fit."
OPEN_HINT = "Type a number to open one."
NO_SUCH_CHOICE = "Type a number from the last list I showed, or ask a new question."
NO_SUCH_ENTRY = "The last list I showed has {count}: type a number from 1 to {count}, or ask a new question."
NO_LIST = "There's no list to pick from just now: ask a question, or type 'more' for further results."
NO_MATCH = "I couldn't find evidence on that in the collection."
NO_MATCH_HINT = "Try different words, or type 'themes' to browse what I cover."
NO_MATCH_LEAD_CONTACT = "For questions the collection doesn't cover, you could ask {lead}."
GAP_RECORDED = "Thanks, I've noted that question so the curators can see where evidence is missing."
EMPTY_QUESTION = "Ask me a question about children's social care research, or type 'help'."
NO_TOPIC = "I couldn't pick out a topic in that. Could you add a word or two about what you're looking for?"
SHORTENED = "Your message was long, so I only read the first {chars:,} characters."
UNDERSTOOD = "I read this as: {what}."
NOT_COVERED = "None of the closest items is about {names} itself."
BROAD_THEME = "A broad topic: all {count} items on “{theme}” are under 'theme {theme}'."
URGENT = (
    "If a child may be at immediate risk, follow your local safeguarding procedures now: speak to your "
    "manager or duty team, and call 999 if a child is in immediate danger. Research can wait."
)
THEMES_LEAD = "The topics I cover (type 'theme' and a name to see the evidence):"
THEME_LEAD = "Evidence on {theme}:"
UNKNOWN_THEME = "I don't have a theme called '{name}'."
NO_THEMES = "The collection has no themes yet."
UNKNOWN_ITEM = "I don't have an item called '{name}'."
SEE_ALSO = "See also"
MORE_LEAD = "More results for “{question}”:"
NO_MORE = "There are no more results for that question."
NOTHING_TO_CONTINUE = "Ask me a question first, then type 'more' for further results."
REVIEWED = "Reviewed {date}"
NOT_REVIEWED = "Not yet reviewed by a curator"
FINDINGS = "Key findings"
LINKS = "Read more"
COST = "Cost"

# --- follow-ups about the item just shown ("how strong is that?", "link?", "tell me more") ---

ABOUT_STRENGTH = "How strong the evidence is: {verdict}"
ABOUT_SOURCE = "Where it comes from: {source}. Every link is below."
ABOUT_SOURCE_LINKS = "Where it comes from: every link is below."
ABOUT_DETAIL = "The full card, with the key findings:"
ABOUT_SHARE = "To share it, use the Share button under the card, or send your team the links below."
ABOUT_NOTHING = (
    "I haven't shown you any evidence in this conversation yet. Ask me a question, and then I can say more about "
    "what I find."
)
ABOUT_WHICH = "Which one? Type its number to open it, then ask me about it."
STILL_CLOSEST = "Adding “{what}” to your last question still finds this first:"
FOLLOW_UP = "I read this together with your last question: “{question}”."
NO_STRENGTH = "this item has no strength rating; its summary and sources are below."
STRENGTH_MEANING = {
    "strong": "randomised trials, or a systematic review of trials, found this.",
    "moderate": "sound studies found this, but with limits (a comparison that was not randomised, or a trial with "
    "gaps), so hold it with some caution.",
    "preliminary": "early, small or descriptive studies (before-and-after comparisons, process evaluations, "
    "correlations) point this way, but they do not show cause.",
    "insufficient": "there is too little good research to say whether it works.",
}
"""What each strength means to a practitioner, in the curators' terms (``knowledge/README.md``, Strength and
effect)."""
"""Beside strength on the card: the source's own cost rating (``evidence.cost``), shown as written."""

GREETING_REPLY = "Hello! Ask me about research in children's social care, or type 'help' to see how."
THANKS_REPLY = "You're welcome. I hope it helps."
BYE_REPLY = "Bye for now."

FEEDBACK_PROMPT = "Was this helpful?"
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"
FEEDBACK_THANKS = "Thanks for the feedback."
FEEDBACK_REASON_PROMPT = "What was missing or wrong? (optional)"
SEND_FEEDBACK = "Send"
FEEDBACK_HINT = "Was this helpful? Type 'yes', or 'no' and what was missing."
FEEDBACK_THANKS_REASON = "Thanks for the feedback. The curators will see what was missing."
NO_FEEDBACK_TARGET = "Ask me a question first; then you can tell me whether the answer helped."
SHARED = "Shared by {who}"
SHARE_NOTE = "Note from {who}: {note}"

APOLOGY = "Sorry, something went wrong on my side while answering. Please try again in a moment."
CONSOLE_WELCOME = "Evidence bot: {count} evidence items loaded. Ask a question, type 'help', or 'quit' to leave."
CONSOLE_BYE = "Goodbye."

_EFFECTS = {
    "positive": "Positive effect",
    "mixed": "Mixed effects",
    "no-effect": "No effect found",
    "harmful": "Harmful effect found",
    "unclear": "Effect unclear",
}
_STRENGTHS = {
    "strong": "strong evidence",
    "moderate": "moderate evidence",
    "preliminary": "preliminary evidence",
    "insufficient": "insufficient evidence",
}


def effect_line(evidence: Evidence | None) -> str:
    """One line such as "Positive effect on children entering care, strong evidence (Foundations, 2023)"."""
    if evidence is None:
        return ""
    parts: list[str] = []
    if evidence.effect:
        effect = _EFFECTS.get(evidence.effect, evidence.effect)
        parts.append(f"{effect} on {evidence.outcome}" if evidence.outcome else effect)
    elif evidence.outcome:
        parts.append(f"Outcome studied: {evidence.outcome}")
    if evidence.strength:
        strength = _STRENGTHS.get(evidence.strength, evidence.strength)
        parts.append(strength if parts else strength.capitalize())
    line = ", ".join(parts)
    source = ", ".join(x for x in (evidence.source, (evidence.published or "")[:4]) if x)
    if source:
        line = f"{line} ({source})" if line else source
    if evidence.rating:
        line = f"{line}. Rated: {evidence.rating}" if line else f"Rated: {evidence.rating}"
    if evidence.cost:
        line = f"{line}. {COST}: {evidence.cost}" if line else f"{COST}: {evidence.cost}"
    return line


def strength_verdict(evidence: Evidence | None) -> str:
    """ "strong. Randomised trials, or a systematic review of trials, found this." (for "how strong is that?")."""
    if evidence is None or not evidence.strength:
        return NO_STRENGTH
    meaning = STRENGTH_MEANING.get(evidence.strength)
    return f"{evidence.strength}. {meaning[:1].upper()}{meaning[1:]}" if meaning else f"{evidence.strength}."


def source_line(evidence: Evidence | None) -> str:
    """Who published the evidence and when ("Coram for Foundations, 2023"), or "" when the item does not say."""
    if evidence is None:
        return ""
    return ", ".join(x for x in (evidence.source, (evidence.published or "")[:4]) if x)


def no_match(research_lead: str) -> str:
    lines = [NO_MATCH, NO_MATCH_HINT]
    if research_lead:
        lines.append(NO_MATCH_LEAD_CONTACT.format(lead=research_lead))
    return " ".join(lines)


# --- browsing with filters ("strong evidence on supervision", "theme courts strong", "trials with no effect") ---

FILTER_ON = "on"
NOTHING_FILTERED = "I found nothing for: {what}. Type 'themes' to browse everything, or ask a question."
NARROWED = "{what}, among the results for “{question}”:"
NOTHING_NARROWED = "None of the results for “{question}” is {what}. Type 'more' to see them all."
NARROWED_LIST = "{what}, among the items I listed:"
NOTHING_NARROWED_LIST = "None of the items I listed is {what}."
_EFFECT_FILTERS = {
    "positive": "a positive effect",
    "mixed": "mixed effects",
    "no-effect": "no effect found",
    "harmful": "a harmful effect found",
    "unclear": "an unclear effect",
}


def filter_label(*, strength: str | None, effect: str | None) -> str:
    """ "Strong evidence", "Evidence with no effect found", "Moderate evidence with mixed effects"."""
    head = _STRENGTHS.get(strength, f"{strength} evidence") if strength else "evidence"
    if effect:
        head = f"{head} with {_EFFECT_FILTERS.get(effect, effect)}"
    return head[:1].upper() + head[1:]


# --- Slack's agent view and Teams' prompt starters: suggested first questions ---

BROWSE_THEMES_PROMPT = "Browse the themes"
SUGGESTED_PROMPTS_TITLE = "Try one of these, or ask in your own words:"
