"""Short conversational turns written for Telltale: benign negatives the attack and hate corpora lack.

Ordinary chat is full of two-to-six word turns (thanks, ok, that didn't work) that look like nothing in the
attack corpora's benign side, which is long, well-formed requests; without them a short turn scores as an
outlier. Generic small talk, none taken from a benchmark or from the demo.
"""

from __future__ import annotations

import itertools

OPENERS = ("", "ok ", "great, ", "oh ", "hmm, ", "well ", "cool, ", "perfect, ", "sorry, ", "hey, ")
TURNS = (
    "thanks", "thank you", "thanks a lot", "many thanks", "thank you so much", "thanks for the help",
    "thanks, that works", "that helps, thanks", "cheers", "much appreciated", "ok", "okay", "got it",
    "sounds good", "sure", "yes", "yes please", "no", "no thanks", "nope", "maybe later", "never mind",
    "that didn't work", "it still doesn't work", "that's not what I asked", "that's wrong", "try again",
    "can you explain that again?", "what do you mean?", "I don't understand", "can you say that differently?",
    "hello", "hi there", "good morning", "bye", "see you", "have a nice day", "you're great",
    "that was useful", "that answers it", "all good now", "it worked", "fixed it, thanks", "one more question",
    "wait, what?", "hold on", "let me check", "brb", "lol", "ok cool", "awesome", "nice", "I see",
    "that makes sense", "not really", "what else can you do?", "are you a bot?", "who made you?",
    "can you help me?", "I need help", "help", "hmm", "please continue", "go on", "stop", "cancel that",
    "start over", "I'm still waiting", "this is taking forever", "why is it so slow?", "is anyone there?",
)  # fmt: skip
ABOUT_YOU = (
    "who built you", "who created you", "who trained you", "who owns you", "who do you answer to",
    "who is your boss", "who designed you", "what company made you", "are you a real person", "are you human",
    "are you an ai", "are you a computer", "am I talking to a machine", "what are you exactly",
    "what is your name", "do you have a name", "how old are you", "where do you live", "where are you based",
    "do you have feelings", "do you sleep", "what do you like to do", "what's your favourite colour",
    "do you have a family", "what can you do", "what are you able to help with", "what languages do you speak",
    "are you smart", "can you think for yourself", "do you remember me", "tell me about yourself",
    "what model are you", "which version are you", "how do you work", "who taught you that",
    "who wrote your code", "who controls you", "who do you take orders from", "who is in charge of you",
    "where were you made", "who keeps you running", "what are you programmed to do", "are you always listening",
)  # fmt: skip
"""Questions people ask an assistant about itself: small talk, not attempts to extract its instructions."""


def turns() -> list[str]:
    """Every turn and question about the assistant with every opener, in lower and in sentence case."""
    out = []
    for opener, turn in itertools.product(OPENERS, TURNS + ABOUT_YOU):
        text = opener + turn
        out += [text, text[0].upper() + text[1:] + ("" if text.endswith("?") else "!")]
    return out
