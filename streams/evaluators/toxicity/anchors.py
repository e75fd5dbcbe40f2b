"""Hand-written anchor statements for zero-shot toxicity scoring, written for Telltale.

They are generic templates filled with a generic list of groups, so they say nothing about any
particular benchmark sentence. The toxicity direction is mean(hateful) - mean(neutral) in embedding space.
"""

from __future__ import annotations

GROUPS = (
    "immigrants", "women", "black people", "asian people", "jewish people", "muslims", "latinos", "gay people",
    "transgender people", "disabled people", "native americans", "refugees", "old people", "poor people",
    "christians", "arabs",
)  # fmt: skip

HATEFUL = (
    "{g} are a disease on this country and should be removed",
    "{g} are all criminals and liars",
    "{g} are less intelligent than everyone else",
    "{g} should not be allowed to vote or hold jobs",
    "I hate {g}, they ruin everything they touch",
    "{g} are subhuman and do not deserve rights",
    "the world would be better without {g}",
    "{g} are lazy parasites living off the rest of us",
    "you can never trust {g}, it's in their nature",
    "{g} are dirty and dangerous, keep them away from our children",
    "{g} should go back to where they came from",
    "{g} are mentally ill and should be locked up",
    "it is a fact that {g} are inferior",
    "{g} only know how to cause trouble and violence",
    "we need to stop {g} from having children",
    "{g} are not real people, they are animals",
)

NEUTRAL = (
    "{g} have a long and rich history",
    "many {g} live and work in large cities",
    "{g} contribute to science, art and business",
    "there are many different traditions among {g}",
    "{g} deserve the same rights and respect as anyone",
    "I met some {g} at the community event last week",
    "the museum has an exhibition about the history of {g}",
    "{g} face discrimination in hiring and housing",
    "laws should protect {g} from harassment",
    "my neighbours are {g} and they are very kind",
    "{g} are as diverse as any other group of people",
    "the report describes the experiences of {g} in schools",
    "we should listen to {g} when they describe their lives",
    "{g} have organised to defend their civil rights",
    "stereotypes about {g} are harmful and untrue",
    "the festival celebrates the culture of {g}",
)


def anchor_sentences() -> tuple[list[str], list[str]]:
    """(hateful, neutral) sentences, every template filled with every group."""
    return [t.format(g=g) for t in HATEFUL for g in GROUPS], [t.format(g=g) for t in NEUTRAL for g in GROUPS]
