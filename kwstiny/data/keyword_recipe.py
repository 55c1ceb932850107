"""One synthetic recipe for any keyword, made from the keyword's text.

`keyword_recipe("computer", confusable=...)` gives a SynthesisRecipe with two classes:
the keyword (alone, with punctuation that changes its intonation, and inside carrier
phrases made from templates) and `_unknown_` (confusable words, ordinary words and
sentences). `keyword_stream_recipe(recipe)` gives the matching long-audio recipe for
`kwstiny evaluate --stream`. Confusable words are generated from the keyword's phonemes
(kwstiny.data.confusables) when `kwstiny new` writes a spec, and the spec file keeps
them as a literal list, so the data does not change with the espeak-ng version.
"""

from __future__ import annotations

import re

from kwstiny.data.long_audio import LongAudioRecipe, StreamScale
from kwstiny.data.recipes import SpeechClass, SynthesisRecipe, TextPool, keyword_split

# {kw} is the keyword as written; punctuation changes how the engines intonate it.
ALONE_TEMPLATES = ("{kw}", "{kw}.", "{kw}?", "{kw}!", "{kw},", "{Kw}...")

CARRIER_TEMPLATES = (
    "hey {kw}", "{kw}, stop", "{kw} what time is it", "ok {kw}", "hi {kw}",
    "hello {kw}", "{kw}, play some music", "{kw}, turn on the lights",
    "{kw}, what's the weather like", "{kw}, set a timer for ten minutes",
    "{kw}, volume up", "{kw}, next song", "um, {kw}", "so {kw}", "{kw}, are you there?",
    "thanks {kw}", "{kw}, call mom", "{kw}, good morning", "{kw}, pause",
    "{kw}, turn it off", "excuse me {kw}", "{kw}, tell me a joke", "please {kw}",
    "{kw}, what's on my calendar", "{kw}, add milk to the shopping list",
    "{kw}, how are you", "right, {kw}", "{kw}, open the garage", "{kw}, lights off",
    "okay {kw}, cancel", "{kw}, wake me up at seven", "now {kw}", "hey there {kw}",
    "{kw}, what's the news", "{kw}, louder", "{kw}, goodnight",
)

# Ordinary words and sentences; any that hold the keyword are dropped per keyword.
WORDS = (
    "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "zero", "hello", "goodbye",
    "music", "weather", "light", "lights", "play", "pause", "time", "morning", "evening",
    "computer", "kitchen", "window", "table", "coffee", "water", "garden", "yellow",
    "purple", "orange", "banana", "tomato", "potato", "camera", "radio", "volume", "timer",
    "alarm", "calendar", "message", "telephone", "answer", "question", "happy", "silly",
    "wonderful", "seriously", "actually", "basically", "maybe", "absolutely", "never",
    "sometimes", "tomorrow", "yesterday", "today", "tonight", "please", "thanks", "sorry",
    "okay", "alright", "really", "because", "about", "again", "after", "before", "between",
    "animal", "elephant", "umbrella", "library", "vanilla", "gorilla", "america", "canada",
    "africa", "asia", "europe", "family", "holiday", "memory", "energy", "battery",
    "history", "medicine", "video", "idea", "area", "cinema", "sofa", "pizza",
    "pasta", "salsa", "extra", "exit", "expert", "except", "excellent", "example", "annual",
    "natural", "general", "special", "little", "bottle", "letter", "better", "lesson",
    "listen", "lemon", "melon", "seven", "heaven", "eleven", "marvel", "travel", "level",
    "lexie", "lexi", "ella", "stella", "bella", "anna", "emma", "olivia", "sophia", "maria",
)

SENTENCES = (
    "the train leaves the station at half past nine",
    "could you pass me the salt and pepper please",
    "my brother bought a new bicycle last weekend",
    "the meeting has been moved to thursday afternoon",
    "it looks like it is going to rain again today",
    "she planted tomatoes and beans in the back garden",
    "turn left at the next corner and keep going straight",
    "we need to buy bread, eggs and a bag of apples",
    "the children were laughing in the playground",
    "i think i left my keys on the kitchen table",
    "the museum is closed on mondays and public holidays",
    "he read the whole book in a single evening",
    "please remember to water the plants while i am away",
    "the coffee machine on the second floor is broken",
    "our flight was delayed by almost three hours",
    "the dog barked at the mail carrier every morning",
    "can you help me carry these boxes upstairs",
    "the river was too cold for swimming in april",
    "they painted the fence a bright shade of blue",
    "a small boat drifted slowly across the lake",
    "the soup needs a little more salt, i think",
    "my phone battery is almost empty again",
    "the concert starts at eight, so let's leave at seven",
    "he forgot his umbrella and got completely soaked",
    "the library has a large collection of old maps",
    "we watched the sunset from the top of the hill",
    "the printer is out of paper and ink",
    "there is a new bakery opening on the main street",
    "the package should arrive sometime next week",
    "she speaks three languages and is learning a fourth",
    "the kettle whistled loudly in the quiet kitchen",
    "turn down the music, the baby is sleeping",
    "i would like a cup of tea with a little milk",
    "the traffic on the highway was terrible this morning",
    "the cat is sleeping on the warm windowsill",
    "what time does the pharmacy close on sunday",
    "set the oven to two hundred degrees",
    "we played cards until late in the evening",
    "the wind knocked over the garden chairs last night",
    "remind me to call the dentist tomorrow morning",
    "how many people are coming to dinner on friday",
    "the new bridge will be finished next spring",
    "he whistled a cheerful tune on his way to work",
    "the store ran out of fresh strawberries",
    "my grandmother tells wonderful stories about her childhood",
    "please close the door quietly when you leave",
    "the thermometer says it is twelve degrees outside",
    "a flock of geese flew low over the field",
    "the recipe calls for two cups of flour",
    "i can't find the remote control anywhere",
    "the lights in the hallway keep flickering",
    "electric cars are becoming more popular every year",
    "the hotel room had a lovely view of the sea",
    "we should leave early to avoid the crowds",
    "the fire alarm went off during the cooking class",
    "the students handed in their essays on time",
)

# Sentences for the evaluation streams only: none of them is in the training data.
STREAM_SENTENCES = (
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

DEFAULT_COUNTS = {
    "full": {"keyword": 4500, "_unknown_": 9000},
    "demo": {"keyword": 1200, "_unknown_": 2400},
    "test": {"keyword": 60, "_unknown_": 120},
}

STREAM_SCALES = {
    # >= 50 keywords and >= 1 hour of keyword-free audio.
    "full": StreamScale(keyword_files=8, keywords_per_file=10, negative_files=6,
                        negative_file_s=600.0),
    "demo": StreamScale(keyword_files=2, keywords_per_file=10, negative_files=2,
                        negative_file_s=300.0),
    "test": StreamScale(keyword_files=1, keywords_per_file=3, negative_files=1,
                        negative_file_s=20.0),
    # For thresholds only (kwstiny calibrate --scale long): at 0.5 FA/h the full scale's
    # hour allows no false accept, so its threshold is the single highest-scoring negative
    # and moves with it; six hours allow three, and 400 keywords measure the FRR to +-4 %.
    "long": StreamScale(keyword_files=40, keywords_per_file=10, negative_files=36,
                        negative_file_s=600.0),
}


def keyword_label(keyword: str) -> str:
    """The class (and folder) name of a keyword: "hey computer" -> "hey_computer"."""
    return re.sub(r"[^a-z0-9]+", "_", keyword.lower()).strip("_")


def without_keyword(texts, keyword: str) -> tuple[str, ...]:
    return tuple(t for t in dict.fromkeys(texts) if keyword_split(t, keyword) is None)


def keyword_texts(keyword: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the keyword alone, the keyword in carrier phrases). A carrier phrase that already
    says the keyword's first word ("hey {kw}" for "hey computer") is left out."""
    kw = keyword.lower()
    alone = tuple(t.format(kw=kw, Kw=kw[:1].upper() + kw[1:]) for t in ALONE_TEMPLATES)
    first = kw.split()[0]
    phrases = tuple(t.format(kw=kw) for t in CARRIER_TEMPLATES
                    if not re.search(rf"\b{re.escape(first)}\s+{{kw}}", t))
    return alone, phrases


def keyword_recipe(keyword: str, confusable: tuple[str, ...], name: str = "",
                   extra_sentences: tuple[str, ...] = (), counts: dict | None = None,
                   seed: int = 20240501, **settings) -> SynthesisRecipe:
    """The synthetic dataset of `keyword`: its class and `_unknown_` (the confusable
    texts, ordinary words, sentences). `counts` may name the keyword class "keyword";
    other SynthesisRecipe settings pass through."""
    label = keyword_label(keyword)
    alone, phrases = keyword_texts(keyword)
    counts = {scale: {(label if k == "keyword" else k): n for k, n in per_class.items()}
              for scale, per_class in (counts or DEFAULT_COUNTS).items()}
    sentences = without_keyword(SENTENCES + tuple(extra_sentences), keyword)
    return SynthesisRecipe(
        name=name or f"synthetic_{label}",
        description=f'Synthetic "{keyword}" dataset: the keyword alone and in carrier '
                    f"phrases; an unknown class of confusable words, words and sentences.",
        classes=(
            SpeechClass(label, keyword=keyword, pools=(
                TextPool("alone", alone, share=0.45),
                TextPool("phrase", phrases, share=0.55),
            )),
            SpeechClass("_unknown_", pools=(
                TextPool("confusable", without_keyword(confusable, keyword), share=0.40),
                TextPool("word", without_keyword(WORDS, keyword), share=0.30),
                TextPool("sentence", sentences, share=0.30),
            )),
        ),
        counts=counts,
        babble_sentences=sentences,
        seed=seed,
        **settings,
    )


def keyword_stream_recipe(training: SynthesisRecipe, name: str = "",
                          scales: dict | None = None, held_out_split: str = "test",
                          **settings) -> LongAudioRecipe:
    """Long audio for stream evaluation of a keyword recipe's model: its keyword texts
    and confusable words, said by the voices of `held_out_split` (the voice split of
    the training data), between sentences the training data does not hold."""
    keyword_class = next(c for c in training.classes if c.keyword)
    unknown = {p.name: p.texts for c in training.classes if not c.keyword for p in c.pools}
    keyword = keyword_class.keyword
    # Named after the training recipe (synthetic_computer: computer_stream), so that two
    # recipes of one keyword keep their own long audio instead of remaking one folder.
    return LongAudioRecipe(
        name=name or f"{training.name.removeprefix('synthetic_')}_stream",
        keyword=keyword,
        label=keyword_class.label,
        keyword_texts=tuple(t for p in keyword_class.pools for t in p.texts),
        sentences=without_keyword(STREAM_SENTENCES, keyword),
        confusable=unknown["confusable"],
        words=unknown["word"],
        scales=scales or STREAM_SCALES,
        sample_rate=training.sample_rate,
        engines=tuple(training.engines),
        held_out_split=held_out_split,
        **settings,
    )


def keyword_training_recipe(source):
    """The keyword recipe a DatasetSpec source names or holds; None if it is not one
    (a folder, Speech Commands ...)."""
    from kwstiny.data.recipes import find_recipe, load_recipe

    if isinstance(source, str):
        if find_recipe(source) is None:
            return None
        source = load_recipe(source)
    keyworded = any(getattr(c, "keyword", "") for c in getattr(source, "classes", ()))
    return source if keyworded else None


def split_stream_recipe(spec, split: str, seed: int) -> LongAudioRecipe:
    """Long audio of the spec's keyword data spoken only by the voices of one split of
    its voice split ("train" to mine, "validation" to calibrate, "test" to evaluate)."""
    from kwstiny.errors import KwstinyError

    training = keyword_training_recipe(spec.dataset.source)
    if training is None:
        raise KwstinyError(f"spec {spec.name}: its dataset {spec.dataset.source!r} is not a "
                           f"keyword recipe, so kwstiny cannot make long audio for it")
    # Named after the training recipe, so that two recipes of one keyword (other
    # confusables, other engines) keep their own long audio instead of remaking one folder.
    base = training.name.removeprefix("synthetic_")
    return keyword_stream_recipe(
        training, name=f"{base}_stream_{split}", held_out_split=split,
        validation_fraction=spec.dataset.validation_fraction,
        test_fraction=spec.dataset.test_fraction, seed=seed)

