"""Long audio for stream evaluation of the alexa model (FRR and false accepts per hour).

keyword/   conversations of held-out voices (the voices synthetic_alexa puts in its test
           split) with "alexa", alone or in a carrier phrase, between sentences; the JSON
           beside each wav logs when each keyword ends.
negative/  keyword-free audio: sentences, confusable words, ordinary words and stretches of
           noise only, from the same held-out voices.
Both are mixed over generated noise (pink, brown, white, mains hum, babble) at 5-30 dB SNR.
The sentences here are not in the training data.
"""

from kwstiny.data.long_audio import LongAudioRecipe, StreamScale
from kwstiny.data.recipes import load_recipe

# Keyword texts and confusable words come from the training recipe, so the two stay in step.
_training = load_recipe("synthetic_alexa")
_keyword_class = next(c for c in _training.classes if c.keyword == "alexa")
_unknown_class = next(c for c in _training.classes if c.label == "_unknown_")
_pool = {p.name: p.texts for p in _unknown_class.pools}

SENTENCES = (
    "i was thinking we could go for a walk after lunch",
    "the bus was late again so i took a taxi",
    "do you know if the shop on the corner is still open",
    "we should repaint the living room before winter",
    "my sister is visiting us the week after next",
    "the neighbours are having a party on saturday night",
    "can you believe how warm it was yesterday",
    "i need to renew my passport before the trip",
    "the football match went into extra time",
    "let's order something to eat, i'm starving",
    "he has been learning to play the guitar for a year",
    "the washing machine makes a strange noise when it spins",
    "there's a good film on television tonight",
    "we ran out of milk, could you pick some up",
    "the garden looks lovely now that the roses are out",
    "i have a meeting at ten and another one at two",
    "the road is closed because of the roadworks",
    "she finished the marathon in under four hours",
    "the heating has been off all day, it's freezing in here",
    "don't forget to take the rubbish out tonight",
    "my laptop keeps restarting for no reason",
    "we booked a cottage by the sea for the summer",
    "the baby finally fell asleep after an hour",
    "the new restaurant in town has very good reviews",
    "could you turn the radio down a little",
    "i'll be home late, so don't wait for me for dinner",
    "the price of petrol has gone up again",
    "he lost his wallet somewhere between the station and the office",
    "the kids want pancakes for breakfast",
    "it's been raining non stop since friday",
    "the doctor said to rest for a few days",
    "our train was cancelled, we'll have to take the next one",
    "i think the battery in the smoke detector is low",
    "my favourite season is autumn, when the leaves change colour",
    "the plumber is coming on tuesday morning",
    "we should invite the new neighbours round for coffee",
    "the electricity bill was higher than last month",
    "the exhibition opens at the gallery next week",
    "i can never remember where i parked the car",
    "the river flooded the fields after the storm",
)

recipe = LongAudioRecipe(
    name="alexa_stream",
    description=__doc__,
    keyword="alexa",
    keyword_texts=tuple(t for p in _keyword_class.pools for t in p.texts),
    sentences=SENTENCES,
    confusable=_pool["confusable"],
    words=_pool["word"],
    scales={
        # >= 50 keywords and >= 1 hour of keyword-free audio.
        "full": StreamScale(keyword_files=8, keywords_per_file=10, negative_files=6,
                            negative_file_s=600.0),
        "demo": StreamScale(keyword_files=2, keywords_per_file=10, negative_files=2,
                            negative_file_s=300.0),
        "test": StreamScale(keyword_files=1, keywords_per_file=3, negative_files=1,
                            negative_file_s=20.0),
    },
    sample_rate=16000,
    engines=("espeak-ng", "flite"),
    # The same voice split as the alexa spec's DatasetSpec (validation 0.1, test 0.1).
    validation_fraction=0.1,
    test_fraction=0.1,
    held_out_split="test",
    snr_db=(5.0, 30.0),
    seed=4242,
)
