"""Synthetic "alexa" dataset, made offline with espeak-ng and flite.

alexa      the word alone (with different punctuation, so different intonation) and inside
           carrier phrases, from every English espeak-ng voice and variant and every
           general-purpose flite voice, over a range of speed and pitch.
_unknown_  words that sound like alexa (generated from its phonemes, plus a hand-picked
           list), ordinary words, and sentences, from the same voices.
_background_noise_  white, pink and brown noise, 50 and 60 Hz mains hum, speech babble.

Clips are split into train / validation / test by voice when the dataset is indexed.
This is the generic keyword recipe (kwstiny.data.keyword_recipe) for "alexa".
"""

from kwstiny.data.keyword_recipe import keyword_recipe

# Nearest words by phoneme edit distance, the keyword inside longer words, and its parts
# (kwstiny.data.confusables.confusables("alexa"), as `kwstiny new` writes them).
GENERATED_CONFUSABLE = (
    "alexei", "alexey", "alex", "alexis", "flex", "annex", "annexed", "lex", "lexus",
    "alyssa", "lexi", "lx", "plexus", "flexed", "atx", "lexie", "next", "against", "less",
    "looks", "sex", "x", "election", "text", "texas", "ex", "likes", "attacks", "affect",
    "assets", "lets", "lesson", "blocks", "sexy", "alliance", "alleged", "checks",
    "agenda", "lisa", "galaxy", "alice", "alpha", "blessed", "alaska", "bless", "affects",
    "blacks", "lakes", "lecture", "alike", "lesser", "les", "assess", "elect", "locks",
    "affection", "assessed", "allah", "lacks", "rex", "al", "exa",
)

# Words and phrases that share sounds with "alexa", picked by hand.
HAND_PICKED_CONFUSABLE = (
    "alexander", "a lexus", "election", "electra", "relax", "alaska", "alexis", "lexicon",
    "texas", "alex", "alexandra", "alexandria", "alec", "alexei", "electric", "elect",
    "eclectic", "electron", "elixir", "lexington", "galaxy", "axle", "mexico", "annex",
    "alaskan", "texan", "dyslexia", "alicia", "a letter", "unless", "collects", "eleven",
    "excel", "a lesson", "reflex", "complexion", "connects", "selection", "a legend",
    "aleppo", "annexation", "relaxing", "vexing", "hey alex", "hey alexis", "alex, stop",
    "alexis, what time is it", "relax, stop", "a lexus car", "the election", "relax a bit",
    "hey siri", "okay google", "hey computer", "echo", "amazon", "hey electra",
    "alaska airlines", "texas ranger", "alexander the great", "a lexicon of words",
    "hello alex", "excuse me alec", "election day", "a galaxy far away", "lexus, stop",
)

# Sentences full of alexa's sounds.
SOUND_ALIKE_SENTENCES = (
    "the elections were held in early november",
    "alexander and alexis relaxed in alaska last summer",
    "the lexicon lists every word in the language",
    "my cousin drove a lexus all the way to texas",
)

recipe = keyword_recipe(
    "alexa",
    name="synthetic_alexa",
    confusable=GENERATED_CONFUSABLE + HAND_PICKED_CONFUSABLE,
    extra_sentences=SOUND_ALIKE_SENTENCES,
)
