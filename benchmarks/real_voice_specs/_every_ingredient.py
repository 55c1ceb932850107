"""The "every ingredient" real-voice ablation specs, shared by kws_WORD_all.py (five engines,
espeak-ng at 55 %), kws_WORD_natural.py (most clips from the engines made from recorded
people) and kws_WORD_dialogue.py (natural, plus real dialogue as unknown speech): the
keyword's own spec with voices of five engines, voice perturbation, rooms,
microphones/channel, real background recordings and real speech in the unknown class.
(A leading underscore keeps this file out of the spec list.)"""

import dataclasses
import shutil
import tempfile
from pathlib import Path

from kwstiny.data.confusables import neighbours_only as without_near_keyword
from kwstiny.data.keyword_recipe import SENTENCES, keyword_recipe, keyword_training_recipe
from kwstiny.data.perturb import VoicePerturbation
from kwstiny.data.real_noise import speech_clips
from kwstiny.paths import home
from kwstiny.spec import load_spec

ENGINES = {"espeak-ng": 0.55, "flite": 0.12, "pico": 0.15, "festival": 0.05, "gnuspeech": 0.13}
# The "natural voices" rows: most clips from the engines whose voices are made from
# recordings of people (flite, Pico, festival), few from the espeak-ng formant synthesizer;
# the perturbation turns each of their few voices into many.
NATURAL_ENGINES = {"espeak-ng": 0.2, "flite": 0.25, "pico": 0.3, "festival": 0.15,
                   "gnuspeech": 0.1}

# The "Kokoro" rows: a fifth of the clips from the neural voice model, taken from espeak-ng.
KOKORO_ENGINES = {"espeak-ng": 0.40, "flite": 0.12, "pico": 0.13, "festival": 0.05,
                  "gnuspeech": 0.10, "kokoro": 0.20}
# The "natural voices + Kokoro" rows: NATURAL_ENGINES with a fifth of the clips from Kokoro,
# taken from espeak-ng, flite and Pico.
NATURAL_KOKORO_ENGINES = {"espeak-ng": 0.10, "flite": 0.20, "pico": 0.25, "festival": 0.15,
                          "gnuspeech": 0.10, "kokoro": 0.20}


def real_speech_folder():
    """Every sixth real utterance of the Debian speech packages (683 of 4,099, so they do
    not outnumber the synthetic unknown clips), made once under KWSTINY_HOME."""
    root = home() / "cache" / "real_speech_every_6th"
    clips = root / "_unknown_"
    if not clips.is_dir():
        made = speech_clips(("speech_en", "speech_fr", "speech_it", "speech_ru", "letters"),
                            16000, folder=root / ".all" / "_unknown_")
        # Filled beside the final name, then renamed: a spec loaded meanwhile by another
        # process never sees a half-filled folder.
        partial = Path(tempfile.mkdtemp(prefix=".partial_", dir=root))
        for path in sorted(made)[5::6]:
            shutil.copyfile(path, partial / path.name)
        try:
            partial.rename(clips)
        except OSError:  # another process finished first
            shutil.rmtree(partial)
    return str(root)


def dialogue_folder(word: str):
    """The half of the Czech game dialogue that may train (dialog_cs_train: 895 utterances
    of several actors; the other half, dialog_cs_calibration, chooses thresholds), as
    unknown-class clips, without any utterance that says the keyword."""
    root = home() / "cache" / f"real_speech_dialog_cs_train_without_{word}"
    speech_clips(("dialog_cs_train",), 16000, folder=root / "_unknown_", without=(word,))
    return str(root)


def every_ingredient(word: str, engines: dict = ENGINES, name: str = "all",
                     dialogue: bool = False, data: str = "", invariance: float = 0.0,
                     neighbours_only: bool = False,
                     perturbation: VoicePerturbation = VoicePerturbation()):
    """keyword_spotting_WORD with every ingredient on; the same confusable words; clips
    shared among `engines`, the spec named kws_WORD_NAME; with `dialogue`, real dialogue in
    the unknown class too. The synthetic data is synthetic_WORD_DATA (default NAME): specs
    that differ only in what they add to it share it. With `invariance` > 0 the real speech
    goes in as dataset.real_folders (the same clips, flagged as real) and the model trains
    against a real-vs-synthetic head at that weight (train.voice_invariance_weight). With
    `neighbours_only` the confusables keep only phoneme neighbours that differ from the
    keyword before its last phoneme: no word that contains the keyword, none of its parts
    said alone, no word that starts like it (compute, computing). `perturbation`: the
    ranges each clip's voice is perturbed from."""
    base = load_spec(f"keyword_spotting_{word}")
    unknown = next(c for c in keyword_training_recipe(base.dataset.source).classes
                   if not c.keyword)
    pools = {p.name: p.texts for p in unknown.pools}
    confusable = pools["confusable"]
    if neighbours_only:
        confusable = without_near_keyword(word, confusable)
    # The base recipe's own sentences (alexa's sound-alike ones); none for computer/jarvis.
    extra_sentences = tuple(t for t in pools["sentence"] if t not in SENTENCES)
    real = (real_speech_folder(),) + ((dialogue_folder(word),) if dialogue else ())
    return dataclasses.replace(
        base, name=f"kws_{word}_{name}", path="",
        dataset=dataclasses.replace(
            base.dataset,
            source=keyword_recipe(word, confusable=confusable, name=f"synthetic_{word}_{data or name}",
                                  extra_sentences=extra_sentences, engines=engines,
                                  perturbation=perturbation),
            extra_folders=() if invariance else real, real_folders=real if invariance else ()),
        train=dataclasses.replace(base.train, voice_invariance_weight=invariance),
        augment=dataclasses.replace(
            base.augment, room_probability=0.5, mic_eq_probability=0.3,
            band_limit_probability=0.3, agc_probability=0.3, clipping_probability=0.05,
            codec_probability=0.15, codecs=("mp3", "gsm", "g721", "ulaw"),
            real_noise=("speech_en", "speech_fr", "speech_it", "speech_ru", "music", "alerts"),
            real_noise_share=0.4),
    )


def distilled(members, name: str, teacher: str, seed: int = 4):
    """`members`' spec as one student trained from `seed` against `teacher` (a `kwstiny
    ensemble` run of members' seeds): soft distillation, temperature 4, half the loss."""
    from kwstiny.spec import DistillSpec

    return dataclasses.replace(
        members, name=name,
        distill=DistillSpec(teacher=teacher, mode="soft", temperature=4.0, alpha=0.5),
        train=dataclasses.replace(members.train, seed=seed))
