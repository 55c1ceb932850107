"""Long audio for stream evaluation: keyword streams with logged times, and keyword-free audio.

Keyword streams are conversations of held-out voices (the test split of a dataset spec's
voice split) saying sentences, with the keyword, alone or in a carrier phrase, placed
between them at logged times, over background noise. Keyword-free streams hold
sentences, confusable words, ordinary words and noise-only stretches. Each wav has a
JSON beside it listing the keyword end times (`keyword_ends_s`) and every utterance.

A recipe file in `kwstiny/datasets/` declares a `LongAudioRecipe`; `prepare(scale)` makes the
streams in the cache (resumable: each wav + JSON pair is written atomically, JSON last)
and `load_streams(folder)` reads them back for `evaluate --stream`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kwstiny.data.audio import read_audio, write_wav
from kwstiny.data.index import assign_splits
from kwstiny.data.noise import NOISE_KINDS, make_noise
from kwstiny.data.recipes import keyword_split
from kwstiny.data.synth import Voice, synthesize, voices
from kwstiny.data.synthetic import keyword_bounds, speech_bounds
from kwstiny.errors import KwstinyError, check
from kwstiny.paths import dataset_cache, write_json
from kwstiny.progress import progress_bar

log = logging.getLogger(__name__)

GENERATOR_VERSION = 2  # 2: held-out voices stratified by engine
COMPLETE_FILE = "dataset.json"
KINDS = ("keyword", "negative")
# A dataset's scales, and "long": more audio than any training scale, to choose thresholds.
STREAM_SCALE_NAMES = ("full", "demo", "test", "long")
# Babble is looped from a bed this long: a full hour of six talkers would cost more
# synthesis than the speech itself.
_BABBLE_BED_S = 60.0
_CROSSFADE_S = 0.05


@dataclass(frozen=True)
class StreamScale:
    """How much audio a scale makes."""
    keyword_files: int
    keywords_per_file: int
    negative_files: int
    negative_file_s: float

    def __post_init__(self):
        for name in ("keyword_files", "keywords_per_file", "negative_files"):
            check(getattr(self, name) >= 0, "StreamScale", name, getattr(self, name), ">= 0")
        check(self.negative_file_s > 0, "StreamScale", "negative_file_s", self.negative_file_s,
              "> 0 seconds")

    @property
    def keywords(self) -> int:
        return self.keyword_files * self.keywords_per_file

    @property
    def negative_seconds(self) -> float:
        return self.negative_files * self.negative_file_s


@dataclass(frozen=True)
class LongAudioRecipe:
    name: str
    keyword: str
    keyword_texts: tuple[str, ...]   # the keyword alone or in carrier phrases
    sentences: tuple[str, ...]       # ordinary speech, no keyword
    confusable: tuple[str, ...]      # words that sound like the keyword
    words: tuple[str, ...]           # ordinary single words
    scales: dict                     # {"full": StreamScale(...), "demo": ..., "test": ...}
    # The model's class name for the keyword, when it differs from the keyword's text
    # ("hey_computer" for "hey computer").
    label: str = ""
    sample_rate: int = 16000
    engines: tuple[str, ...] = ("espeak-ng", "flite")
    # Voices are held out the way DatasetSpec splits them: only these voices speak.
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    held_out_split: str = "test"
    speed_range: tuple[float, float] = (0.8, 1.25)
    pitch_range: tuple[float, float] = (0.75, 1.35)
    peak_range: tuple[float, float] = (0.3, 0.9)
    gap_s: tuple[float, float] = (0.4, 2.5)
    # Speech between two keywords (utterances), so detections of two keywords never merge.
    between_keywords: tuple[int, int] = (1, 3)
    # Keyword-free streams: share of turns that are sentences / confusable / words /
    # noise only, and how long a noise-only stretch lasts.
    negative_mix: dict = field(default_factory=lambda: {
        "sentence": 0.5, "confusable": 0.25, "word": 0.1, "noise": 0.15})
    noise_only_s: tuple[float, float] = (4.0, 15.0)
    noise_kinds: tuple[str, ...] = ("pink", "brown", "white", "hum50", "hum60", "babble")
    snr_db: tuple[float, float] = (5.0, 30.0)
    seed: int = 777
    description: str = ""

    def __post_init__(self):
        own = f"recipe {self.name}"
        check(all(keyword_split(t, self.keyword) for t in self.keyword_texts) and
              len(self.keyword_texts) > 0, own, "keyword_texts", self.keyword_texts,
              f"texts that each contain {self.keyword!r}")
        for name in ("sentences", "confusable", "words"):
            texts = getattr(self, name)
            check(len(texts) > 0, own, name, texts, "one or more texts")
            for text in texts:
                check(keyword_split(text, self.keyword) is None, own, name, text,
                      f"texts without the keyword {self.keyword!r}")
        for scale, size in self.scales.items():
            check(scale in STREAM_SCALE_NAMES and isinstance(size, StreamScale), own,
                  "scales", scale, " / ".join(map(repr, STREAM_SCALE_NAMES))
                  + " mapped to a StreamScale")
        check(self.held_out_split in ("train", "validation", "test"), own, "held_out_split",
              self.held_out_split, "'train', 'validation' or 'test'")
        check(set(self.noise_kinds) <= set(NOISE_KINDS) and len(self.noise_kinds) > 0, own,
              "noise_kinds", self.noise_kinds, "kinds among " + ", ".join(NOISE_KINDS))
        check(set(self.negative_mix) <= {"sentence", "confusable", "word", "noise"} and
              sum(self.negative_mix.values()) > 0, own, "negative_mix", self.negative_mix,
              "shares for sentence / confusable / word / noise")
        check(self.between_keywords[0] >= 1, own, "between_keywords", self.between_keywords,
              "at least one utterance between keywords")

    def settings(self) -> dict:
        """Everything that decides the output (the description does not)."""
        settings = asdict(self)
        settings.pop("description")
        return settings

    def prepare(self, scale: str = "full", workers: int | None = None,
                progress: bool = True) -> Path:
        if scale not in self.scales:
            raise KwstinyError(f"recipe {self.name} has no scale {scale!r}; it has: "
                               + ", ".join(self.scales))
        return build_streams(self, scale, workers=workers, progress=progress)


@dataclass(frozen=True)
class StreamFile:
    """One long wav and what is in it."""
    path: Path
    kind: str                         # "keyword" or "negative"
    duration_s: float
    keyword_ends_s: tuple[float, ...]
    labels: dict                      # the whole JSON beside the wav


def load_streams(root: str | os.PathLike) -> list[StreamFile]:
    """Every stream wav under `root` with its keyword end times, keyword files first."""
    root = Path(root)
    found = []
    for kind in KINDS:
        for label_path in sorted((root / kind).glob("*.json")):
            try:
                labels = json.loads(label_path.read_text())
                wav = label_path.with_suffix(".wav")
                found.append(StreamFile(wav, kind, float(labels["duration_s"]),
                                        tuple(float(t) for t in labels["keyword_ends_s"]),
                                        labels))
            except (ValueError, KeyError, TypeError) as error:
                raise KwstinyError(f"{label_path}: not a stream label file ({error})") from error
            if not wav.is_file():
                raise KwstinyError(f"{label_path} has no wav beside it ({wav.name})")
    if not found:
        raise KwstinyError(f"{root} holds no stream files (keyword/*.json, negative/*.json)")
    return found


def held_out_voices(recipe: LongAudioRecipe, voice_lists: dict) -> list[Voice]:
    # The same assignment the dataset index makes over the same voices (every voice of
    # these engines speaks in the demo and full datasets).
    voices = [v for engine in recipe.engines for v in voice_lists[engine]]
    splits = assign_splits((v.id for v in voices), recipe.validation_fraction,
                           recipe.test_fraction)
    chosen = [v for v in voices if splits[v.id] == recipe.held_out_split]
    if not chosen:
        raise KwstinyError(f"recipe {recipe.name}: no voice falls in the "
                           f"{recipe.held_out_split} split")
    return chosen


# Making the streams ----------------------------------------------------------------------

def build_streams(recipe: LongAudioRecipe, scale: str, workers: int | None = None,
                  progress: bool = True, root: Path | None = None) -> Path:
    root = Path(root) if root else dataset_cache(f"{recipe.name}-{scale}")
    settings = json.dumps({"generator": GENERATOR_VERSION, "scale": scale,
                           "recipe": recipe.settings()}, sort_keys=True, default=str)
    print_ = hashlib.sha256(settings.encode()).hexdigest()[:16]
    marker, plan = root / COMPLETE_FILE, root / ".plan.json"
    if _read_json(marker).get("fingerprint") == print_:
        return root
    if root.is_dir() and any(root.iterdir()):
        made_by = _read_json(marker) or _read_json(plan)
        if not made_by:
            raise KwstinyError(f"{root} holds files kwstiny did not write; move them away so "
                               f"the {recipe.name} streams can be made there")
        if made_by.get("fingerprint") != print_:
            log.warning("%s was made from an older version of recipe %s; making it again",
                        root, recipe.name)
            shutil.rmtree(root)
    if not plan.is_file():
        speakers = held_out_voices(recipe, voices(tuple(recipe.engines)))
        write_json(plan, {"fingerprint": print_, "voices": [asdict(v) for v in speakers]})
    speakers = [Voice(**v) for v in _read_json(plan)["voices"]]
    size: StreamScale = recipe.scales[scale]
    files = [("keyword", i) for i in range(size.keyword_files)] + \
            [("negative", i) for i in range(size.negative_files)]
    todo = [f for f in files if not _label_path(root, *f).is_file()]
    workers = workers or os.cpu_count() or 1
    began = time.perf_counter()
    with progress_bar(progress) as bar:
        task = bar.add_task(f"making {recipe.name} ({scale}) streams", total=len(files),
                            completed=len(files) - len(todo))
        with ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(_make_stream, recipe, size, speakers, root, kind, i)
                       for kind, i in todo]
            try:
                for future in as_completed(futures):
                    future.result()
                    bar.advance(task)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    streams = load_streams(root)
    write_json(marker, {
        "recipe": recipe.name, "scale": scale, "fingerprint": print_,
        "generator_version": GENERATOR_VERSION, "sample_rate": recipe.sample_rate,
        "keywords": sum(len(s.keyword_ends_s) for s in streams),
        "keyword_seconds": round(sum(s.duration_s for s in streams if s.kind == "keyword"), 1),
        "negative_seconds": round(sum(s.duration_s for s in streams if s.kind == "negative"), 1),
        "voices": sorted(v.id for v in speakers),
        "held_out": {"split": recipe.held_out_split,
                     "validation_fraction": recipe.validation_fraction,
                     "test_fraction": recipe.test_fraction},
        "seconds": round(time.perf_counter() - began, 1),
    })
    return root


def _label_path(root: Path, kind: str, index: int) -> Path:
    return root / kind / f"stream_{index:03d}.json"


def _make_stream(recipe: LongAudioRecipe, size: StreamScale, speakers: list[Voice],
                 root: Path, kind: str, index: int) -> None:
    rng = np.random.default_rng([recipe.seed, KINDS.index(kind), index])
    rate = recipe.sample_rate
    pieces: list[tuple[int, np.ndarray]] = []   # (start sample, audio)
    events: list[dict] = []
    t = int(rng.uniform(1.0, 3.0) * rate)       # noise before the first word

    def place(text: str, what: str, keyword: bool = False) -> None:
        nonlocal t
        voice = speakers[rng.integers(len(speakers))]
        speed = float(rng.uniform(*recipe.speed_range))
        pitch = float(rng.uniform(*recipe.pitch_range)) if voice.pitch_adjustable else 1.0

        def speak(words: str) -> np.ndarray:
            return synthesize(words, voice, rate, speed=speed, pitch=pitch)

        audio = speak(text)
        start, end = speech_bounds(audio, rate)
        if end <= start:
            return
        speech = audio[start:end] * (rng.uniform(*recipe.peak_range) /
                                     max(1e-6, float(np.abs(audio[start:end]).max())))
        event = {"kind": what, "text": text, "voice": voice.id, "speed": round(speed, 3),
                 "pitch": round(pitch, 3), "start_s": round(t / rate, 3),
                 "end_s": round((t + len(speech)) / rate, 3)}
        if keyword:
            kw_start, kw_end = keyword_bounds(text, recipe.keyword, speak, start, end, rate)
            event["keyword_start_s"] = round((t + kw_start - start) / rate, 3)
            event["keyword_end_s"] = round((t + kw_end - start) / rate, 3)
        pieces.append((t, speech.astype(np.float32)))
        events.append(event)
        t += len(speech) + int(rng.uniform(*recipe.gap_s) * rate)

    if kind == "keyword":
        for _ in range(size.keywords_per_file):
            for _ in range(int(rng.integers(recipe.between_keywords[0],
                                             recipe.between_keywords[1] + 1))):
                place(str(rng.choice(recipe.sentences)), "sentence")
            place(str(rng.choice(recipe.keyword_texts)), "keyword", keyword=True)
        place(str(rng.choice(recipe.sentences)), "sentence")
        total = t + int(rng.uniform(1.0, 3.0) * rate)
    else:
        total = int(size.negative_file_s * rate)
        turns = list(recipe.negative_mix)
        shares = np.array([recipe.negative_mix[k] for k in turns], float)
        pools = {"sentence": recipe.sentences, "confusable": recipe.confusable,
                 "word": recipe.words}
        while True:
            turn = turns[rng.choice(len(turns), p=shares / shares.sum())]
            if turn == "noise":
                t += int(rng.uniform(*recipe.noise_only_s) * rate)
            else:
                place(str(rng.choice(pools[turn])), turn)
            if t >= total:
                break
        # Keep only whole utterances inside the file.
        while pieces and pieces[-1][0] + len(pieces[-1][1]) > total:
            pieces.pop()
            events.pop()

    speech = np.zeros(total, np.float32)
    for start, audio in pieces:
        speech[start:start + len(audio)] += audio[: total - start]
    noise_kind = recipe.noise_kinds[(index + KINDS.index(kind)) % len(recipe.noise_kinds)]
    noise = _noise_bed(noise_kind, total, rate, int(rng.integers(2 ** 31)), speakers,
                       recipe.sentences)
    active = np.concatenate([a for _, a in pieces]) if pieces else np.zeros(1, np.float32)
    speech_rms = float(np.sqrt(np.mean(active.astype(np.float64) ** 2))) or 0.05
    snr = float(rng.uniform(*recipe.snr_db))
    noise_rms = float(np.sqrt(np.mean(noise.astype(np.float64) ** 2))) or 1.0
    mix = speech + noise * (speech_rms / 10 ** (snr / 20) / noise_rms)
    peak = float(np.abs(mix).max())
    if peak > 0.95:
        mix *= 0.95 / peak
    wav = root / kind / f"stream_{index:03d}.wav"
    write_wav(wav, mix, rate)
    keyword_ends = [e["keyword_end_s"] for e in events if e["kind"] == "keyword"]
    write_json(_label_path(root, kind, index), {
        "wav": wav.name, "kind": kind, "sample_rate": rate,
        "duration_s": round(total / rate, 3), "keyword": recipe.label or recipe.keyword,
        "keyword_ends_s": keyword_ends,
        "noise": {"kind": noise_kind, "snr_db": round(snr, 2)},
        "events": events,
    })


def _noise_bed(kind: str, n: int, rate: int, seed: int, speakers, sentences) -> np.ndarray:
    """`n` samples of noise; babble is a shorter bed looped with crossfades."""
    if kind != "babble" or n <= _BABBLE_BED_S * rate:
        return make_noise(kind, n / rate, rate, seed, voices=speakers, sentences=sentences)
    bed = make_noise(kind, _BABBLE_BED_S, rate, seed, voices=speakers, sentences=sentences)
    fade = int(_CROSSFADE_S * rate)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    out = np.zeros(n, np.float32)
    at, step = 0, len(bed) - fade
    while at < n:
        piece = bed.copy()
        if at:
            piece[:fade] *= ramp
        piece[-fade:] *= ramp[::-1]
        take = min(len(piece), n - at)
        out[at:at + take] += piece[:take]
        at += step
    return out


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def read_stream(stream: StreamFile, sample_rate: int) -> np.ndarray:
    """The stream's audio as mono float32 at `sample_rate`."""
    return read_audio(stream.path, sample_rate)
