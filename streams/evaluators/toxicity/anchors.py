"""Hand-written training sentences for the toxicity heads, written for Telltale (no benchmark sentence among them).

Generic templates filled with generic slots: hate toward a group, second-person insults (harassment), bare
profanity, and the hard negatives a tweet corpus lacks — groups named neutrally, negation, counter-speech,
polite second-person help answers and short conversational turns.
"""

from __future__ import annotations

import itertools

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
    "{g} are dirty and dangerous, keep them out of our neighbourhood",
    "{g} should go back to where they came from",
    "{g} are mentally ill and should be locked up",
    "it is a fact that {g} are inferior",
    "{g} only know how to cause trouble and violence",
    "we need to stop {g} from breeding",
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
    "is the scholarship open to {g}?",
    "does the programme have a discount for {g}?",
    "we are hiring and welcome applications from {g}",
    "I never said anything bad about {g}",
    "nobody should say that {g} are inferior; that is bigotry",
    "saying {g} are criminals is a hateful lie and I reject it",
    "I don't hate {g}, I have friends from every background",
    "the article quotes slurs against {g} to show how ugly online abuse is",
    "as one of the {g}, I'm proud of who we are",
    "{g} with children can apply for the family programme",
    "the survey counted how many {g} are out of work",
)

INSULTS = ("idiot", "moron", "loser", "clown", "imbecile", "fool", "creep", "jerk", "halfwit", "dimwit")
ADJECTIVES = (
    "stupid", "useless", "pathetic", "worthless", "brainless", "lazy", "clueless", "dumb", "complete", "total"
)  # fmt: skip
HARASSING = (
    "you are a {a} {i}",
    "shut up, you {a} {i}",
    "only a {a} {i} like you would ask that",
    "nobody cares about you, you {i}",
    "are you really this {a}? what an {i}",
    "go away, {i}, you're wasting my time",
    "what a {a} thing to say, you {i}",
    "you're too {a} to understand the answer",
    "stop whining, you {a} {i}",
    "I can't believe how {a} you are",
    "do everyone a favour and stop asking {a} questions, {i}",
    "your question is {a} and so are you",
    "get lost, you {a} {i}",
    "are you always this {a}, {i}?",
)

PROFANE = (
    "damn, this printer jammed again",
    "oh shit, I forgot my password again",
    "what the hell happened to my order",
    "this bloody app keeps crashing, fucking hell",
    "holy crap that was a fast delivery",
    "the update is shit, it broke my settings",
    "fuck, I missed the flight",
    "damn it, the wifi is down again",
)

POLITE = (
    "you can reset your password from the settings page",
    "thanks, you have been very helpful",
    "you are right, I misread the invoice",
    "could you tell me how to change my plan?",
    "your refund has been issued and should arrive soon",
    "you're welcome, let me know if you need anything else",
    "I'm sorry, I can only help with questions about your account",
    "that didn't work, can you try again?",
    "ok, got it",
    "thanks, that solved it",
    "you should see the new card within a week",
    "I hate waiting on hold, can I get a call back?",
    "you're amazing, thank you",
    "you are so kind to remember that",
    "we are two adults travelling without children",
    "no kids this time, just the two of us",
    "what does systemic discrimination mean?",
    "this is killing me, when will my package arrive?",
    "you're the best!",
    "your help doesn't go unnoticed",
    "are you a real person?",
)

COMPANIONS = ("children", "kids", "babies", "teenagers", "pets", "dogs", "a baby", "our kids")
"""Who comes along in bookings, orders and plans: 'no children' is a party's size, not an exclusion of a group."""

COMPANION_TEMPLATES = (
    "we have no {c}",
    "we're coming without {c}",
    "two adults, no {c}",
    "no {c} this time",
    "it's just us, without {c}",
    "do you allow {c}?",
    "we'll be bringing {c}",
    "is it suitable for {c}?",
    "our family of four, with {c}",
    "is there an extra charge for {c}?",
)


def hateful() -> list[str]:
    """Every hateful template filled with every group."""
    return [t.format(g=g) for t in HATEFUL for g in GROUPS]


def neutral() -> list[str]:
    """Every neutral or counter-speech template filled with every group, polite second-person turns, and who
    comes along (children, pets) in a booking."""
    companions = [t.format(c=c) for t in COMPANION_TEMPLATES for c in COMPANIONS]
    return [t.format(g=g) for t in NEUTRAL for g in GROUPS] + list(POLITE) + companions


def harassing() -> list[str]:
    """Every insult template with every (adjective, insult) pair it names."""
    return [t.format(a=a, i=i) for t in HARASSING for a, i in itertools.product(ADJECTIVES, INSULTS)]
