"""The few sentences only Slack needs (button labels, modal titles, the Home tab, Slack errors).

Everything a practitioner reads that is not about Slack itself lives in ``bot.messages``; keep this
module short, and in the same calm, plain tone.
"""

from __future__ import annotations

SHARE_BUTTON = "Share to channel"
POST_HERE_BUTTON = "Post in this channel"
OPEN_BUTTON = "Open"
THEMES_BUTTON = "Browse themes"

SHARE_TITLE = "Share evidence"
SHARE_SUBMIT = "Share"
SHARE_CHANNEL_LABEL = "Channel"
SHARE_NOTE_LABEL = "Note (optional)"
SHARE_NOTE_HINT = "A line for your team: why this is worth reading."
SHARE_INTRO = "You're sharing:"
POSTED_DONE = "Posted in this channel."
NOT_IN_CHANNEL = (
    "I couldn't post in that channel because I'm not a member of it. Invite me with /invite @evidence "
    "in the channel, then share again."
)
SHARE_FAILED = "I couldn't post in that channel: it may be archived or closed to apps. Please choose another one."
A_COLLEAGUE = "a colleague"

MORE_LINKS = "(and {count} more: open the full card)"
MORE_CHOICES = "… and {count} more."
MORE_THEMES = "… and {count} more: send me 'themes' to see them all."

FEEDBACK_TITLE = "Feedback"
FEEDBACK_SUBMIT = "Send"
CANCEL = "Cancel"
CLOSE = "Close"

ASK_TITLE = "Ask the evidence"
ASK_SUBMIT = "Ask"
ASK_LABEL = "Your question"
ASK_HINT = "For example: does group supervision help?"

VIEW_TITLE = "Evidence"

LOOKING = "is looking through the evidence…"
"""The agent view's loading status, shown only when an answer is slow (``delivery.STATUS_AFTER``)."""
HELPFUL_ACCESSIBLE = "This answer was helpful"
NOT_HELPFUL_ACCESSIBLE = "This answer was not helpful"

HOME_HOW_TO = (
    "Ask in your own words, in any of these ways:\n"
    "  • send me a direct message (the Messages tab above)\n"
    "  • mention me in a channel; I'll answer in the thread\n"
    "  • type /evidence and your question; only you will see the answer\n"
    "  • on anyone's message, choose More actions → Find evidence for this message"
)
HOME_THEMES = "Themes"
HOME_RECENT = "Recently reviewed"
HOME_NOTHING_REVIEWED = "No items have been reviewed yet."
