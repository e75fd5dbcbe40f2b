"""What a sentence does: claim a fact, or refuse, deflect, greet, thank or ask back (which claim nothing).

Only claims can be ungrounded. The other speech acts are recognised by their form (first-person inability,
missing knowledge, scope limits, courtesy formulas, a question aimed at the user), not by a list of sentences.
"""

from __future__ import annotations

import re
from typing import Literal

SpeechAct = Literal["claim", "refusal", "question", "courtesy"]

_IM = r"i(?:\s+am|'m)"
_OPENER = (
    rf"(?:(?:{_IM}\s+)?(?:so\s+|very\s+|really\s+)?sorry|unfortunately|apologies|regrettably|{_IM}\s+afraid|alas|hmm+)"
)
_LEAD = rf"^(?:{_OPENER}[\s,;:.!-]*(?:but\s+|that\s+)?)*"
_HELP_VERBS = (
    r"help|answer|assist|respond|reply|share|provide|disclose|discuss|give|do|comply|reveal|tell|say|"
    r"access|see|find|look|check|confirm|talk|speak|comment|support|offer|process|handle|advise|make|go"
)
_INABILITY = (
    rf"i\s+(?:can\s*not|can'?t|cannot|could\s*not|couldn'?t|won'?t|will\s+not|must\s+decline\s+to|have\s+to\s+decline\s+to)(?:\s+\w+ly)?\s+"
    rf"(?:{_HELP_VERBS})\b|{_IM}\s+(?:unable|not\s+(?:able|allowed|permitted|authori[sz]ed))\s+to(?:\s+\w+ly)?\s+"
    rf"(?:{_HELP_VERBS})\b|i\s+(?:don't|do\s+not)\s+have\s+access\b"
)
_ONLY = (
    rf"i\s+(?:can|could|may|am\s+able\s+to|'?m\s+able\s+to)\s+only\s+(?:{_HELP_VERBS})\b|"
    rf"{_IM}\s+only\s+(?:able|allowed|here|designed|meant)\s+to\b|"
    rf"i\s+(?:only|can\s+just)\s+(?:{_HELP_VERBS})\s+(?:with|about|on|questions)\b"
)
_UNKNOWING = (
    rf"i\s+(?:really\s+)?(?:don'?t|do\s+not|didn'?t|did\s+not)\s+(?:know|have\s+(?:that|this|any|enough|the|those|"
    rf"such|specific|more)\b|see\s+(?:that|this|any|anything)\b|find\s+(?:that|this|any|anything)\b)|"
    rf"{_IM}\s+not\s+(?:sure|certain|aware)\b|i\s+(?:have|'ve\s+got)\s+no\s+(?:idea|information|details|data)\b|"
    rf"i\s+(?:couldn'?t|could\s+not|can'?t|cannot)\s+find\b|no\s+idea\b|not\s+sure\b"
)
_SCOPE = (
    r"(?:that|this|it|your\s+(?:question|request))(?:'s|\s+is|\s+falls|\s+seems|\s+lies)\s+(?:\w+\s+)?"
    r"(?:outside|beyond|out\s+of|not\s+(?:in|within|part\s+of))\s+(?:of\s+)?(?:my|the|what)\b|"
    r"(?:the|these|those|my|our)\s+(?:passages?|documents?|docs|sources?|context|articles?|help\s+cent(?:re|er)|"
    r"knowledge\s+base|information)\s+(?:i\s+have\s+)?(?:don'?t|do\s+not|doesn'?t|does\s+not|didn'?t|did\s+not)\s+"
    r"(?:say|mention|cover|contain|include|specify|state|answer|address)\b|"
    r"there(?:'s|\s+is)\s+no\s+(?:information|mention|detail|answer)\b|"
    r"(?:please\s+)?(?:contact|ask|reach\s+out\s+to)\s+(?:your|our|the)\s+(?:support|administrator|admin|"
    r"account\s+manager|workspace\s+owner|team)\b"
)
_REFUSAL = re.compile(rf"{_LEAD}(?:{_INABILITY}|{_ONLY}|{_UNKNOWING}|{_SCOPE})", re.IGNORECASE)
_GOES_ON = re.compile(r"\b(?:but|however|though|although|yet|instead)\b", re.IGNORECASE)
"""After a hedge or refusal, these carry on with a claim ('I'm not sure, but I think he was born in 1935')."""
_BARE_OPENER = re.compile(rf"{_LEAD}$", re.IGNORECASE)
_COURTESY = re.compile(
    rf"^(?:(?:hi|hello|hey|greetings|good\s+(?:morning|afternoon|evening|day)|welcome|you'?re\s+(?:very\s+)?welcome|"
    rf"no\s+problem|no\s+worries|my\s+pleasure|(?:{_IM}\s+)?(?:happy|glad|pleased)\s+to\s+(?:help|assist)|"
    rf"(?:{_IM}\s+)?glad\s+(?:it|that|this|i\s+could|i\s+was\s+able\s+to)\s+(?:helped|help|worked)|"
    r"(?:many\s+)?thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?(?:\s+for\s+[\w\s']+)?|cheers|sure(?:\s+thing)?|"
    r"of\s+course|certainly|absolutely|great\s+question|good\s+question|let\s+me\s+(?:help|check|see|look)|"
    r"(?:have\s+a\s+)?(?:nice|great|good)\s+(?:day|one|evening|weekend)|take\s+care|bye|goodbye|"
    r"(?:(?:you\s+can\s+|feel\s+free\s+to\s+)?ask\s+me\s+(?:about|anything)[\w\s',]*)|"
    r"i\s+can\s+(?:also\s+)?(?:help|assist|answer\s+questions)(?:\s+you)?\s+(?:with|about|on)\b[\w\s',]*|"
    r"(?:feel\s+free\s+to|don'?t\s+hesitate\s+to)\s+(?:ask|reach\s+out|contact)[\w\s']*|"
    r"let\s+me\s+know\s+if[\w\s']*|(?:i\s+)?hope\s+(?:this|that|it)\s+helps)[\s,!.:;-]*)+$",
    re.IGNORECASE,
)
_RHETORICAL = re.compile(
    r"^(?:\W*\w+[,!]\s+)?(?:did\s+you\s+(?:know|hear|realize|realise)|have\s+you\s+heard|were\s+you\s+aware|"
    r"do\s+you\s+know\s+(?!(?:what|which|who|whom|whose|when|where|why|how|if|whether)\b)|"
    r"(?:isn'?t|wasn'?t|aren'?t|weren'?t|doesn'?t|didn'?t)\s+it\b)",
    re.IGNORECASE,
)
_TRAILING_QUESTION = re.compile(
    r"^(?P<lead>.*?\w.*?[,.!;:]+)\s+(?P<question>(?:do|did|does|is|are|was|were|have|has|had|can|could|would|will|"
    r"should|what|which|who|whom|whose|where|when|why|how|wanna|right|isn't|aren't|don't|didn't|or)\b[^,.!;:]*\?)$",
    re.IGNORECASE,
)


def clauses(sentence: str) -> list[str]:
    """A sentence that states something and then asks ('Goldendoodles are designer dogs, do you like them?')
    as its statement and its question, so the statement is still checked."""
    found = _TRAILING_QUESTION.match(sentence.strip())
    if not found:
        return [sentence]
    return [found.group("lead").rstrip(",;: "), found.group("question")]


def speech_act(sentence: str) -> SpeechAct:
    """The sentence's act: a refusal or deflection, a question to the user, a courtesy formula, or a claim.

    A number keeps a sentence a claim ('Sorry, refunds take 5 days.'); a rhetorical question that carries a
    proposition ('Did you know the SLA is 99.9%?') is a claim too."""
    text = sentence.replace("\u2019", "'").strip().strip("\"'()").strip()
    if any(ch.isdigit() for ch in text):
        return "claim"
    if text.endswith("?"):
        return "claim" if _RHETORICAL.match(text) else "question"
    refusal = _REFUSAL.match(text)
    if (refusal and not _GOES_ON.search(text, refusal.end())) or _BARE_OPENER.match(text):
        return "refusal"
    if _COURTESY.match(text):
        return "courtesy"
    return "claim"
