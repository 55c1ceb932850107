"""Google Speech Commands v0.02 (Warden 2018): 105,829 one-second clips of 35 words from
2,618 speakers, 16 kHz, CC BY 4.0.

Downloaded once from the official archive (2.4 GB, size and SHA-256 checked, resumable)
into the dataset cache, with the official validation and test lists as splits.
12-label task: classes = kwstiny.data.speech_commands.CLASSES_12; 35-label task:
classes = WORDS_V2.
"""

from kwstiny.data.speech_commands import V2_ARCHIVE, WORDS_V2, SpeechCommandsRecipe

recipe = SpeechCommandsRecipe(
    name="speech_commands_v2",
    archive=V2_ARCHIVE,
    words=WORDS_V2,
    description=__doc__,
)
