"""Synthetic "alexa" dataset, made offline with espeak-ng and flite.

alexa      the word alone (with different punctuation, so different intonation) and inside
           carrier phrases, from every English espeak-ng voice and variant and every
           general-purpose flite voice, over a range of speed and pitch.
_unknown_  words that sound like alexa, ordinary words, and sentences, from the same voices.
_background_noise_  white, pink and brown noise, 50 and 60 Hz mains hum, speech babble.

Clips are split into train / validation / test by voice when the dataset is indexed.
"""

from kwstiny.data.recipes import SpeechClass, SynthesisRecipe, TextPool

KEYWORD_ALONE = ("alexa", "alexa.", "alexa?", "alexa!", "alexa,", "Alexa...")

KEYWORD_PHRASES = (
    "hey alexa", "alexa, stop", "alexa what time is it", "ok alexa", "hi alexa",
    "hello alexa", "alexa, play some music", "alexa, turn on the lights",
    "alexa, what's the weather like", "alexa, set a timer for ten minutes",
    "alexa, volume up", "alexa, next song", "um, alexa", "so alexa", "alexa, are you there?",
    "thanks alexa", "alexa, call mom", "alexa, good morning", "alexa, pause",
    "alexa, turn it off", "excuse me alexa", "alexa, tell me a joke", "please alexa",
    "alexa, what's on my calendar", "alexa, add milk to the shopping list",
    "alexa, how are you", "right, alexa", "alexa, open the garage", "alexa, lights off",
    "okay alexa, cancel", "alexa, wake me up at seven", "now alexa", "hey there alexa",
    "alexa, what's the news", "alexa, louder", "alexa, goodnight",
)

# Words and phrases that share sounds with "alexa" but are not it.
CONFUSABLE = (
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
    "the elections were held in early november",
    "alexander and alexis relaxed in alaska last summer",
    "the lexicon lists every word in the language",
    "my cousin drove a lexus all the way to texas",
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

recipe = SynthesisRecipe(
    name="synthetic_alexa",
    description=__doc__,
    classes=(
        SpeechClass("alexa", keyword="alexa", pools=(
            TextPool("alone", KEYWORD_ALONE, share=0.45),
            TextPool("phrase", KEYWORD_PHRASES, share=0.55),
        )),
        SpeechClass("_unknown_", pools=(
            TextPool("confusable", CONFUSABLE, share=0.40),
            TextPool("word", WORDS, share=0.30),
            TextPool("sentence", SENTENCES, share=0.30),
        )),
    ),
    counts={
        "full": {"alexa": 4500, "_unknown_": 9000},
        "demo": {"alexa": 1200, "_unknown_": 2400},
        "test": {"alexa": 60, "_unknown_": 120},
    },
    sample_rate=16000,
    engines={"espeak-ng": 0.85, "flite": 0.15},
    speed_range=(0.75, 1.35),
    pitch_range=(0.7, 1.4),
    keyword_window_ms=1200,
    max_clip_ms=2000,
    noise_kinds=("white", "pink", "brown", "hum50", "hum60", "babble"),
    noise_seconds={"full": 60.0, "demo": 30.0, "test": 3.0},
    babble_sentences=SENTENCES,
    seed=20240501,
)
