"""Google Speech Commands v1 / v2 as a kwstiny dataset recipe.

`prepare()` downloads the official archive (resumable, size + SHA-256 verified, see
kwstiny.data.download), extracts it into the dataset cache, adds a `_silence_` folder
and writes `manifest.jsonl`, the dataset's completion mark, with each clip's speaker
(group) and its official split: clips named in `validation_list.txt` and
`testing_list.txt` are validation and test, every other clip trains.

The archive is already a folder of word subfolders plus `_background_noise_`, which is
what kwstiny's dataset index reads. Tasks are chosen by the spec's classes:
- 12 labels: the ten commands, `_silence_` and `_unknown_` (every other word);
- 35 labels (v2) / 30 labels (v1): every word, no silence or unknown class.

`_silence_` clips are one-second windows of the background-noise recordings at a
random level (0 to 1 x), as the reference training scripts make them; each split gets
as many as its average command word has clips, so silence is scored in validation and
test too.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.data.download import Archive, download, extract_tar
from kwstiny.errors import KwstinyError
from kwstiny.frontend.settings import FrontendSettings

COMMANDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
CLASSES_12 = COMMANDS + ("_silence_", "_unknown_")
WORDS_V1 = COMMANDS + ("zero", "one", "two", "three", "four", "five", "six", "seven",
                       "eight", "nine", "bed", "bird", "cat", "dog", "happy", "house",
                       "marvin", "sheila", "tree", "wow")
WORDS_V2 = WORDS_V1 + ("backward", "forward", "follow", "learn", "visual")

# Official archives. v0.02: size and SHA-256 as TensorFlow Datasets records them
# (url_checksums/speech_commands.txt). v0.01: SHA-256 as torchaudio's SPEECHCOMMANDS
# records it; size as TensorFlow's speech_commands example logs the download.
V1_ARCHIVE = Archive(
    "https://storage.googleapis.com/download.tensorflow.org/data/speech_commands_v0.01.tar.gz",
    sha256="743935421bb51cccdb6bdd152e04c5c70274e935c82119ad7faeec31780d811d",
    size=1_488_293_908)
V2_ARCHIVE = Archive(
    "https://storage.googleapis.com/download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
    sha256="af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
    size=2_428_923_189)

MANIFEST = "manifest.jsonl"
NOISE = "_background_noise_"
SILENCE = "_silence_"
SCALES = ("full", "demo", "test")


def frontend_settings(**changes) -> FrontendSettings:
    """The features the Speech Commands studies use: 1 s at 16 kHz, 30 ms windows every
    10 ms, 40 mel channels from 20 to 7600 Hz (kws_streaming's mel range), 98 x 40, as
    int8 (dynamic scale) so the board feeds the model its own frontend's bytes. Specs
    that share a teacher share this."""
    settings = dict(sample_rate_hz=16000, sample_length_ms=1000, window_size_ms=30,
                    window_step_ms=10, filterbank_n_channels=40,
                    filterbank_lower_band_limit=20.0, filterbank_upper_band_limit=7600.0,
                    quantize_dynamic_scale_enable=True)
    settings.update(changes)
    return FrontendSettings(**settings)


def dataset_spec(version: int = 2, task: int = 12, **changes):
    """DatasetSpec for Speech Commands v1/v2, 12-label task (ten commands, silence,
    unknown) or all words (35 labels in v2, 30 in v1)."""
    from kwstiny.spec import DatasetSpec

    if version not in (1, 2):
        raise KwstinyError(f"Speech Commands version {version!r}: 1 or 2")
    words = WORDS_V2 if version == 2 else WORDS_V1
    if task == 12:
        classes = CLASSES_12
    elif task == len(words):
        classes = words
    else:
        raise KwstinyError(f"Speech Commands v{version} has a 12-label task and a "
                           f"{len(words)}-label task, not {task}")
    settings = dict(source=f"speech_commands_v{version}", classes=classes,
                    # unknown words: as many as an average command; silence is its own
                    # class here, and cropped keywords are not the study's unknowns.
                    unknown_class_multiplier=1.0, silence_as_unknown=0.0,
                    cropped_keyword_as_unknown=0.0)
    settings.update(changes)
    return DatasetSpec(**settings)


@dataclass(frozen=True)
class SpeechCommandsRecipe:
    name: str
    archive: Archive
    words: tuple[str, ...]
    sample_rate: int = 16000
    # Silence clips per split = this x the split's average command-word count.
    silence_ratio: float = 1.0
    keep_archive: bool = False
    seed: int = 59185
    description: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return self.words

    def folder(self) -> Path:
        return paths.dataset_cache(self.name)

    def prepare(self, scale: str = "full", workers: int | None = None,
                progress: bool = True) -> Path:
        """The extracted dataset folder, downloaded and built on first use. Every scale
        is the whole dataset (a spec's max_clips_per_class makes small runs small)."""
        if scale not in SCALES:
            raise KwstinyError(f"recipe {self.name} has no scale {scale!r}; it has: "
                               + ", ".join(SCALES))
        folder = self.folder()
        if (folder / MANIFEST).is_file():
            return folder
        archive = paths.home() / "downloads" / self.archive.filename
        download(self.archive, archive, progress=progress)
        extract_tar(archive, folder)
        root = _dataset_root(folder)
        if root != folder:              # an archive with one top-level folder
            staging = folder.with_name(folder.name + ".root")
            shutil.rmtree(staging, ignore_errors=True)
            os.replace(root, staging)
            shutil.rmtree(folder)
            os.replace(staging, folder)
        records = self._records(folder)
        records += self._make_silence(folder, records)
        with paths.atomic_path(folder / MANIFEST) as tmp:
            tmp.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        if not self.keep_archive:
            archive.unlink(missing_ok=True)
            archive.with_name(archive.name + ".verified").unlink(missing_ok=True)
        return folder

    def _records(self, folder: Path) -> list[dict]:
        lists = {}
        for split, filename in (("validation", "validation_list.txt"),
                                ("test", "testing_list.txt")):
            path = folder / filename
            if not path.is_file():
                raise KwstinyError(f"{self.archive.filename} has no {filename}: it is not a "
                                   "Speech Commands archive")
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    lists[line.strip()] = split
        records = []
        for word_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            if word_dir.name in (NOISE, SILENCE) or word_dir.name.startswith("."):
                continue
            for wav in sorted(word_dir.glob("*.wav")):
                rel = wav.relative_to(folder).as_posix()
                speaker = wav.stem.split("_nohash_", 1)[0]
                records.append({"path": rel, "group": speaker,
                                "split": lists.get(rel, "train")})
        missing = [w for w in COMMANDS if not (folder / w).is_dir()]
        if missing:
            raise KwstinyError(f"{self.archive.filename} has no folders for "
                               f"{', '.join(missing)}: it is not a Speech Commands archive")
        return records

    def _make_silence(self, folder: Path, records: list[dict]) -> list[dict]:
        from kwstiny.data.audio import AudioError, read_audio, write_wav

        noises = []
        for path in sorted((folder / NOISE).glob("*.wav")):
            try:
                audio = read_audio(path, self.sample_rate)
            except AudioError:
                continue            # the index reports unusable noise files itself
            if len(audio) >= self.sample_rate:
                noises.append(audio)
        if not noises:
            return []
        rng = np.random.default_rng(self.seed)
        made = []
        for split in ("train", "validation", "test"):
            per_word = [sum(1 for r in records if r["split"] == split
                            and r["path"].split("/", 1)[0] == w) for w in COMMANDS]
            count = int(round(np.mean(per_word) * self.silence_ratio))
            for i in range(count):
                noise = noises[rng.integers(len(noises))]
                start = int(rng.integers(0, len(noise) - self.sample_rate + 1))
                clip = noise[start:start + self.sample_rate] * rng.uniform(0.0, 1.0)
                name = f"{SILENCE}/silence_{split}_{i:05d}.wav"
                write_wav(folder / name, np.clip(clip, -1.0, 1.0), self.sample_rate)
                made.append({"path": name, "group": f"silence_{split}_{i:05d}",
                             "split": split})
        return made


def _dataset_root(folder: Path) -> Path:
    """Where the word folders are: the folder itself, or its single subfolder."""
    if (folder / "validation_list.txt").is_file():
        return folder
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
