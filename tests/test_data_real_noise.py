"""Real recordings from Debian packages: found where the packages put them, a clear error
naming the package when one is missing, and background tracks and speech clips made from
them at the model's rate, cached and the same every time."""

import os

import numpy as np
import pytest
import soundfile

from kwstiny.data import real_noise
from kwstiny.data.real_noise import SOURCES, Source
from kwstiny.errors import KwstinyError


def test_installed_packages_are_found():
    # scripts/setup.sh installs every package a source names.
    found = {name: real_noise.recordings(name) for name in SOURCES}
    assert len(found["speech_en"]) > 500 and len(found["letters"]) > 1000
    assert len(found["music"]) == 5
    for name, files in found.items():
        assert all(p.is_file() for p in files)
        assert not any("silence" in p.parts for p in files)  # asterisk's silence prompts
    info = soundfile.info(str(found["speech_en"][0]))
    assert info.frames > 0


def test_held_out_real_speech_is_never_training_data():
    # >= 1 h of real speech by several people, for false accepts per hour on real speech.
    held = [n for n, s in SOURCES.items() if s.evaluation_only]
    assert set(held) == {"dialog_nl", "dialog_en"}
    seconds = sum(soundfile.info(str(p)).duration for p in real_noise.recordings("dialog_nl"))
    assert seconds > 3600
    with pytest.raises(KwstinyError, match="dialog_nl are held out"):
        real_noise.noise_files(["speech_en", "dialog_nl"], 16000)
    with pytest.raises(KwstinyError, match="held out"):
        real_noise.speech_clips(["dialog_nl"], 16000, folder="/nonexistent")
    from kwstiny.errors import SettingError
    from kwstiny.spec import AugmentSpec
    with pytest.raises(SettingError, match="held out for evaluation"):
        AugmentSpec(real_noise=("dialog_en",))
    AugmentSpec(real_noise=("dialog_cs",))     # the Czech dialogue may train


def test_a_missing_package_is_named(monkeypatch, tmp_path):
    monkeypatch.setitem(SOURCES, "speech_en", Source(
        "asterisk-core-sounds-en-wav", str(tmp_path / "absent"), ("*.wav",), "speech", "x", "y"))
    with pytest.raises(KwstinyError, match="apt-get install asterisk-core-sounds-en-wav"):
        real_noise.noise_files(["speech_en"], 16000)
    with pytest.raises(KwstinyError, match="not known"):
        real_noise.recordings("radio")


@pytest.fixture
def small_sources(monkeypatch, tmp_path):
    """Two fake packages: a few 8 kHz spoken words, and a stereo 44.1 kHz piece of music."""
    rng = np.random.default_rng(0)
    speech = tmp_path / "speech"
    (speech / "digits").mkdir(parents=True)
    (speech / "silence").mkdir()
    for k in range(6):
        t = np.arange(int(8000 * rng.uniform(0.3, 0.8))) / 8000
        word = np.sin(2 * np.pi * (150 + 20 * k) * t) * np.hanning(t.size) * 0.5
        soundfile.write(str(speech / "digits" / f"{k}.wav"), word, 8000)
    soundfile.write(str(speech / "silence" / "1.wav"), np.zeros(8000), 8000)
    soundfile.write(str(speech / "digits" / "empty.wav"), np.zeros(0), 8000)  # packages ship these
    music = tmp_path / "music"
    music.mkdir()
    t = np.arange(44100 * 70) / 44100
    piece = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t)], axis=1) * 0.3
    soundfile.write(str(music / "song.wav"), piece, 44100)
    monkeypatch.setitem(SOURCES, "speech_en", Source(
        "p1", str(speech), ("*.wav", "*/*.wav"), "speech", "x", "y", ("silence",)))
    monkeypatch.setitem(SOURCES, "music", Source("p2", str(music), ("*.wav",), "music", "x", "y"))
    return tmp_path


def test_noise_tracks_are_mono_at_the_rate_and_cached(small_sources, tmp_path, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "home"))
    files = real_noise.noise_files(["music", "speech_en"], 16000, tracks_per_kind=2)
    names = sorted(p.name for p in files)
    assert names == ["babble-0.wav", "babble-1.wav", "music-song-0.wav", "music-song-1.wav",
                     "music-song-2.wav", "talker-0.wav", "talker-1.wav"]
    for path in files:
        info = soundfile.info(str(path))
        assert info.samplerate == 16000 and info.channels == 1
        assert info.frames <= real_noise.TRACK_SECONDS * 16000
    audio, _ = soundfile.read(str({p.name: p for p in files}["talker-0.wav"]))
    assert np.abs(audio).max() > 0.5 and np.mean(np.abs(audio) < 1e-4) > 0.05  # words, pauses
    stamps = [os.stat(p).st_mtime_ns for p in files]
    assert real_noise.noise_files(["speech_en", "music"], 16000, tracks_per_kind=2) == files
    assert [os.stat(p).st_mtime_ns for p in files] == stamps
    # Made again elsewhere from the same seed: the same audio.
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "other"))
    again = real_noise.noise_files(["music", "speech_en"], 16000, tracks_per_kind=2)
    for a, b in zip(files, again):
        assert a != b and a.read_bytes() == b.read_bytes()


def test_speech_clips_are_one_file_per_utterance(small_sources, tmp_path, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "home"))
    clips = real_noise.speech_clips(["speech_en"], 16000)
    assert len(clips) == 6  # the silence folder and the empty file are skipped
    assert all(soundfile.info(str(p)).samplerate == 16000 for p in clips)
    with pytest.raises(KwstinyError, match="not speech"):
        real_noise.speech_clips(["music"], 16000)


def test_real_speech_joins_a_dataset_split_by_speaker(tmp_path, monkeypatch):
    from kwstiny.data.index import index_folder
    from kwstiny.spec import DatasetSpec

    letters = tmp_path / "klettres"
    for language in ("de", "en", "fr", "it", "nl"):
        (letters / language / "alpha").mkdir(parents=True)
        for k in range(3):
            t = np.arange(4000) / 16000
            soundfile.write(str(letters / language / "alpha" / f"{k}.ogg"),
                            np.sin(2 * np.pi * 300 * t) * 0.3, 16000)
    monkeypatch.setitem(SOURCES, "letters", Source(
        "p", str(letters), ("*/alpha/*.ogg",), "speech", "x", "y", per_folder_speaker=True))
    dataset = tmp_path / "dataset"
    (dataset / "hey").mkdir(parents=True)
    for k in range(6):
        soundfile.write(str(dataset / "hey" / f"v{k}_nohash_0.wav"), np.full(800, 0.1), 16000)
    clips = real_noise.speech_clips(["letters"], 16000, folder=dataset / "_unknown_")
    assert len(clips) == 15
    assert real_noise.speech_clips(["letters"], 16000, folder=dataset / "_unknown_") == clips
    index = index_folder(dataset, DatasetSpec(source=str(dataset), classes=("hey", "_unknown_")),
                         16000)
    real = [c for c in index.clips if c.label == "_unknown_"]
    assert len(real) == 15
    speakers = {c.group for c in real}
    assert speakers == {f"real.letters-{lang}" for lang in ("de", "en", "fr", "it", "nl")}
    for speaker in speakers:  # a speaker never spans two splits ...
        assert len({c.split for c in real if c.group == speaker}) == 1
    assert {c.split for c in real} == {"train", "validation", "test"}  # ... and all are used


def test_dialogue_that_says_the_keyword_is_left_out_of_its_negatives(tmp_path, monkeypatch):
    """Dutch dialogue says "computer" (also inside "multimediacomputer"): those utterances
    are no false fires for a computer model, and are dropped from its real negatives."""
    sound, script = tmp_path / "sound", tmp_path / "script"
    texts = {"a": "Denk je dat dit de computer is?", "b": "Geen multimediacomputer.",
             "c": "Wat een rommel!", "d": "Hey, jarvis."}
    (sound / "lvl" / "nl").mkdir(parents=True)
    (script / "lvl").mkdir(parents=True)
    lua = []
    for i, (stem, text) in enumerate(texts.items()):
        soundfile.write(str(sound / "lvl" / "nl" / f"{stem}.ogg"),
                        0.3 * np.sin(np.arange(8000) * (0.05 + 0.01 * i)), 16000)
        lua += [f'dialogId("{stem}", "font_small", "English original {i}")',
                f'dialogStr("{text}")', ""]
    (script / "lvl" / "dialogs_nl.lua").write_text("\n".join(lua), encoding="utf-8")
    monkeypatch.setattr(real_noise, "_FILLETS", str(sound))
    monkeypatch.setitem(SOURCES, "dialog_nl", Source(
        "pkg", str(sound), ("*/nl/*.ogg",), "speech", "x", "y", evaluation_only=True,
        transcripts="fillets"))
    names = lambda files: sorted(p.stem for p in files)   # noqa: E731
    assert names(real_noise.saying("dialog_nl", ["computer"])) == ["a", "b"]
    assert names(real_noise.saying("dialog_nl", ["hey jarvis"])) == ["d"]
    assert real_noise.saying("dialog_nl", ["alexa"]) == []
    # The original English text is not what the Dutch file says.
    assert real_noise.saying("dialog_nl", ["original"]) == []
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "home"))
    kept = real_noise.speech_clips(("dialog_nl",), 16000, folder=tmp_path / "neg",
                                   evaluation=True, without=("computer",))
    assert sorted(p.name.rsplit("-", 1)[-1] for p in kept) == ["c.wav", "d.wav"]
    every = real_noise.speech_clips(("dialog_nl",), 16000, folder=tmp_path / "all",
                                    evaluation=True)
    assert len(every) == 4


def test_the_shipped_dutch_dialogue_says_computer():
    said = {f"{p.parent.parent.name}/{p.stem}" for p in real_noise.saying("dialog_nl",
                                                                           ["computer"])}
    assert "computer/poc-v-multimed" in said and len(said) < 30
    assert real_noise.saying("dialog_nl", ["jarvis"]) == []


def test_the_czech_dialogue_halves_are_disjoint_by_level():
    """One half may train the unknown class while the other chooses a threshold."""
    train = set(real_noise.recordings("dialog_cs_train"))
    calibration = set(real_noise.recordings("dialog_cs_calibration"))
    assert train and calibration and not train & calibration
    assert train | calibration == set(real_noise.recordings("dialog_cs"))
    levels = lambda files: {p.parent.parent.name for p in files}   # noqa: E731
    assert not levels(train) & levels(calibration)
    assert 0.35 < len(train) / (len(train) + len(calibration)) < 0.65
