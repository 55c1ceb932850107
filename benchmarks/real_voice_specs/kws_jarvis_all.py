"""Real-voice ablation row "every ingredient" (benchmarks/real_voice_ablation.py): jarvis with every data ingredient (voices of five engines, voice
perturbation, rooms, microphones/channel, real background recordings, real speech in the
unknown class). Base settings: keyword_spotting_jarvis."""
import dataclasses
from kwstiny.data.keyword_recipe import keyword_recipe
from kwstiny.data.perturb import VoicePerturbation
from kwstiny.data.real_noise import speech_clips
from kwstiny.paths import home
from kwstiny.spec import load_spec


def real_speech_folder():
    """Every sixth real utterance of the Debian speech packages (683 of 4,099, so they do
    not outnumber the synthetic unknown clips), made once under KWSTINY_HOME."""
    root = home() / "cache" / "real_speech_every_6th"
    clips = root / "_unknown_"
    if not clips.is_dir():
        made = speech_clips(("speech_en", "speech_fr", "speech_it", "speech_ru", "letters"),
                            16000, folder=root / ".all" / "_unknown_")
        clips.mkdir(parents=True)
        for path in sorted(made)[5::6]:
            path.rename(clips / path.name)
    return str(root)


CONFUSABLE = (
    'service', 'davis', 'harvest', 'elvis', 'harness', 'marvin', 'carving', 'vis',
    'novice', 'janice', 'gis', 'tardis', 'jarring', 'rbis', 'avis', 'mavis', 'givin',
    'nevis', 'juris', 'jardin', 'this', 'having', 'office', 'living', 'market', 'miss',
    'giving', 'david', 'parts', 'voice', 'moving', 'jesus', 'leaving', 'justice',
    'largest', 'notice', 'advice', 'surface', 'paris', 'target', 'basis', 'chris',
    'artist', 'movies', 'martin', 'promise', 'purchase', 'vice', 'arts', 'charges',
    'device', 'obvious', 'jim', 'serving', 'jewish', 'markets', 'saving', 'kiss', 'kevin',
    'marks', 'jar',
)

ENGINES = {"espeak-ng": 0.55, "flite": 0.12, "pico": 0.15, "festival": 0.05, "gnuspeech": 0.13}
_base = load_spec("keyword_spotting_jarvis")
spec = dataclasses.replace(
    _base, name="kws_jarvis_all", path="",
    dataset=dataclasses.replace(
        _base.dataset,
        source=keyword_recipe("jarvis", confusable=CONFUSABLE, name="synthetic_jarvis_all",
                              engines=ENGINES, perturbation=VoicePerturbation()),
        extra_folders=(real_speech_folder(),)),
    augment=dataclasses.replace(
        _base.augment, room_probability=0.5, mic_eq_probability=0.3,
        band_limit_probability=0.3, agc_probability=0.3, clipping_probability=0.05,
        codec_probability=0.15, codecs=("mp3", "gsm", "g721", "ulaw"),
        real_noise=("speech_en", "speech_fr", "speech_it", "speech_ru", "music", "alerts"),
        real_noise_share=0.4),
)
