"""Dataset indexing: labels from folders, splits by voice or speaker, bad files skipped."""

import logging

import numpy as np
import pytest
import soundfile

from kwstiny.data.audio import write_wav
from kwstiny.data.index import assign_splits, index_folder, load_index
from kwstiny.errors import KwstinyError
from kwstiny.spec import DatasetSpec


def clip(seconds=0.3, rate=16000, freq=440.0):
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def speech_commands_folder(tmp_path):
    """Speech Commands layout: word folders, speaker_nohash_N names, a noise folder,
    and some files that must be skipped."""
    root = tmp_path / "sc"
    for word in ("alexa", "dog", "stop"):
        for speaker in ("aaa111", "bbb222", "ccc333", "ddd444", "eee555", "fff666"):
            for n in range(2):
                write_wav(root / word / f"{speaker}_nohash_{n}.wav", clip(), 16000)
    soundfile.write(str(root / "alexa" / "ggg777_nohash_0.flac"), clip(rate=22050), 22050)
    soundfile.write(str(root / "dog" / "hhh888_nohash_0.ogg"), clip(rate=8000), 8000,
                    format="OGG")
    (root / "alexa" / "corrupt_nohash_0.wav").write_bytes(b"RIFF....not really a wave file")
    (root / "dog" / "empty_nohash_0.wav").write_bytes(b"")
    (root / "alexa" / "notes.txt").write_text("not audio, ignored")
    (root / "alexa" / ".half.tmp.wav").write_bytes(b"partial")  # a temp file, ignored
    write_wav(root / "_background_noise_" / "hum.wav", clip(2.0, freq=50.0), 16000)
    (root / "_background_noise_" / "broken.wav").write_bytes(b"\x00" * 10)
    return root


def test_splits_are_stable_and_stratified_by_engine():
    flite = ["flite.kal", "flite.kal16", "flite.awb", "flite.rms", "flite.slt"]
    espeak = [f"espeak-ng.en.v{i}" for i in range(800)]
    splits = assign_splits(flite + espeak, 0.1, 0.1)
    # Pinned: changing the hash would silently move voices between splits.
    assert splits["flite.slt"] == "test" and splits["flite.kal"] == "validation"
    # The small engine is held out too, not only the big one.
    assert sorted(splits[v] for v in flite) == ["test", "train", "train", "train", "validation"]
    assert [splits[v] for v in espeak].count("test") == 80
    assert assign_splits(reversed(flite + espeak), 0.1, 0.1) == splits  # order-free
    speakers = assign_splits([f"speaker{i}" for i in range(4000)], 0.1, 0.2)
    assert list(speakers.values()).count("test") == 800
    assert list(speakers.values()).count("validation") == 400



def test_an_engines_few_native_voices_train_and_its_accented_ones_are_held_out():
    pico = ["pico.en-US", "pico.en-GB", "pico.de-DE", "pico.es-ES", "pico.fr-FR",
            "pico.it-IT"]
    espeak = [f"espeak-ng.en-us.v{i}" for i in range(50)]
    splits = assign_splits(pico + espeak, 0.1, 0.1)
    assert splits["pico.en-US"] == splits["pico.en-GB"] == "train"
    accented = sorted(splits[v] for v in pico[2:])
    assert accented == ["test", "train", "train", "validation"]
    # English tags keep a voice in its engine's stratum: espeak-ng is held out as before.
    assert [splits[v] for v in espeak].count("test") == 5

def test_folder_dataset(speech_commands_folder, caplog):
    spec = DatasetSpec(source=str(speech_commands_folder), classes=("alexa", "_unknown_"))
    with caplog.at_level(logging.WARNING):
        index = load_index(spec, 16000)
    assert {str(p.name) for p, _ in index.skipped} == {"corrupt_nohash_0.wav",
                                                       "empty_nohash_0.wav", "broken.wav"}
    reasons = dict((p.name, why) for p, why in index.skipped)
    assert "empty" in reasons["empty_nohash_0.wav"]
    assert "not a readable audio file" in reasons["corrupt_nohash_0.wav"]
    warning = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(warning) == 1 and "corrupt_nohash_0.wav" in warning[0]
    assert "\n" not in warning[0]
    # dog and stop are words the spec does not ask for: they are "unknown".
    labels = {c.sample_id.split("/")[0]: c.label for c in index.clips}
    assert labels == {"alexa": "alexa", "dog": "_unknown_", "stop": "_unknown_"}
    assert len(index.clips) == 6 * 2 * 3 + 2
    assert [p.name for p in index.noise_files] == ["hum.wav"]
    assert {c.group for c in index.clips} == {"aaa111", "bbb222", "ccc333", "ddd444",
                                              "eee555", "fff666", "ggg777", "hhh888"}
    flac = next(c for c in index.clips if c.path.suffix == ".flac")
    assert len(index.read(flac)) == int(0.3 * 16000)
    assert index.read(flac).dtype == np.float32


def test_no_speaker_in_two_splits(speech_commands_folder):
    index = load_index(DatasetSpec(source=str(speech_commands_folder),
                                   classes=("alexa", "_unknown_"),
                                   validation_fraction=0.3, test_fraction=0.3), 16000)
    for group in index.groups():
        assert len({c.split for c in index.clips if c.group == group}) == 1


def test_without_unknown_class_other_words_are_left_out(speech_commands_folder):
    index = load_index(DatasetSpec(source=str(speech_commands_folder),
                                   classes=("alexa", "stop")), 16000)
    assert {c.label for c in index.clips} == {"alexa", "stop"}
    assert not any(c.sample_id.startswith("dog/") for c in index.clips)


def test_missing_class_is_named(speech_commands_folder):
    with pytest.raises(KwstinyError, match="'marvin'"):
        load_index(DatasetSpec(source=str(speech_commands_folder),
                               classes=("marvin", "_unknown_")), 16000)


def test_unknown_source_names_recipes(tmp_path):
    with pytest.raises(KwstinyError, match="synthetic_alexa"):
        load_index(DatasetSpec(source="no_such_dataset"), 16000)
    with pytest.raises(KwstinyError, match="neither a folder"):
        load_index(DatasetSpec(source=str(tmp_path / "missing")), 16000)


def test_max_clips_per_class_is_a_fixed_subset(speech_commands_folder):
    spec = DatasetSpec(source=str(speech_commands_folder), classes=("alexa", "_unknown_"),
                       max_clips_per_class=3)
    a, b = load_index(spec, 16000), load_index(spec, 16000)
    assert [c.sample_id for c in a.clips] == [c.sample_id for c in b.clips]
    for split, per_class in a.counts().items():
        assert all(n <= 3 for n in per_class.values())
    full = load_index(DatasetSpec(source=str(speech_commands_folder),
                                  classes=("alexa", "_unknown_")), 16000)
    for split, per_class in a.counts().items():
        for label, n in per_class.items():
            assert n == min(3, full.counts()[split][label])


def test_subset_file_restricts_training_clips_only(speech_commands_folder, tmp_path):
    spec = DatasetSpec(source=str(speech_commands_folder), classes=("alexa", "_unknown_"))
    full = load_index(spec, 16000)
    train = [c.sample_id for c in full.clips if c.split == "train"]
    chosen = train[:2]
    subset = tmp_path / "subset.txt"
    subset.write_text("# chosen clips\n" + "\n".join(chosen) + "\n\nalexa/not_there\n")
    index = load_index(DatasetSpec(source=str(speech_commands_folder),
                                   classes=("alexa", "_unknown_"), subset_file=str(subset)),
                       16000)
    assert sorted(c.sample_id for c in index.clips if c.split == "train") == sorted(chosen)
    held_out = [c.sample_id for c in full.clips if c.split != "train"]
    assert held_out and [c.sample_id for c in index.clips if c.split != "train"] == held_out
    with pytest.raises(KwstinyError, match="does not exist"):
        load_index(DatasetSpec(source=str(speech_commands_folder),
                               subset_file=str(tmp_path / "nope.txt")), 16000)
    subset.write_text("nothing/matches\n")
    with pytest.raises(KwstinyError, match="names none"):
        load_index(DatasetSpec(source=str(speech_commands_folder),
                               subset_file=str(subset)), 16000)


def test_manifest_group_wins_over_file_name(tmp_path):
    root = tmp_path / "ds"
    for n in range(4):
        write_wav(root / "alexa" / f"clip{n}.wav", clip(), 16000)
    (root / "manifest.jsonl").write_text(
        "".join(f'{{"path": "alexa/clip{n}.wav", "group": "speaker-x"}}\n' for n in range(4))
        + "not json\n")
    index = index_folder(root, DatasetSpec(source=str(root), classes=("alexa", "_unknown_")),
                         16000)
    assert {c.group for c in index.clips} == {"speaker-x"}


def test_recipe_dataset_splits_by_voice(synthetic_test_dataset, use_session_home,
                                        monkeypatch):
    from kwstiny.data import synthetic

    monkeypatch.setattr(synthetic, "synthesize", None)  # it must be reused, not remade
    spec = DatasetSpec(source="synthetic_alexa", scale="test")
    index = load_index(spec, 16000)
    assert index.root == synthetic_test_dataset
    assert not index.skipped and len(index.noise_files) == 6
    counts = index.counts()
    for split in ("train", "validation", "test"):
        assert all(counts[split][label] > 0 for label in ("alexa", "_unknown_")), counts
    for group in index.groups():
        assert len({c.split for c in index.clips if c.group == group}) == 1
    assert all(c.keyword_span for c in index.clips if c.label == "alexa")
    assert sum(counts["train"].values()) > sum(counts["test"].values())
    # The test variant's cap: at most 40 per class and split, always the same ones.
    capped = load_index(DatasetSpec(source="synthetic_alexa", scale="test",
                                    max_clips_per_class=40), 16000)
    assert max(n for per in capped.counts().values() for n in per.values()) == 40
    split_of = {c.group: c.split for c in index.clips}
    assert all(c.split == split_of[c.group] for c in capped.clips)
