"""Google Speech Commands v0.01 (Warden 2017): 64,727 one-second clips of 30 words from
1,881 speakers, 16 kHz, CC BY 4.0.

Downloaded once from the official archive (1.5 GB, size and SHA-256 checked, resumable)
into the dataset cache, with the official validation and test lists as splits.
12-label task: classes = kwstiny.data.speech_commands.CLASSES_12; all-words task
(30 labels in v1): classes = WORDS_V1.
"""

from kwstiny.data.speech_commands import V1_ARCHIVE, WORDS_V1, SpeechCommandsRecipe

recipe = SpeechCommandsRecipe(
    name="speech_commands_v1",
    archive=V1_ARCHIVE,
    words=WORDS_V1,
    description=__doc__,
)
