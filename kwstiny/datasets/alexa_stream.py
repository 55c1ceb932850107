"""Long audio for stream evaluation of the alexa model (FRR and false accepts per hour).

keyword/   conversations of held-out voices (the voices synthetic_alexa puts in its test
           split) with "alexa", alone or in a carrier phrase, between sentences; the JSON
           beside each wav logs when each keyword ends.
negative/  keyword-free audio: sentences, confusable words, ordinary words and stretches of
           noise only, from the same held-out voices.
Both are mixed over generated noise (pink, brown, white, mains hum, babble) at 5-30 dB SNR.
The sentences here are not in the training data.
"""

from kwstiny.data.keyword_recipe import keyword_stream_recipe
from kwstiny.data.recipes import load_recipe

# Keyword texts and confusable words come from the training recipe, so the two stay in step.
recipe = keyword_stream_recipe(load_recipe("synthetic_alexa"), name="alexa_stream", seed=4242)
