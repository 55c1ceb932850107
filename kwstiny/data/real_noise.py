"""Real recordings that Debian packages ship, as background noise and as speech that is
not the keyword: human voices (telephone prompts, spoken letters and syllables in many
languages), music, and household alert sounds.

Each source names the package that holds it; `recordings` finds its files, and
`noise_files` turns a set of sources into background tracks at the model's rate in the
KWSTINY_HOME cache: one competing talker, a babble of several talkers, music, alerts.
`speech_clips` writes the human speech as separate utterances for the unknown class.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.errors import KwstinyError

TRACK_SECONDS = 30.0


@dataclass(frozen=True)
class Source:
    package: str
    root: str
    patterns: tuple[str, ...]
    kind: str          # "speech", "music" or "alerts"
    licence: str
    about: str
    skip: tuple[str, ...] = ()   # sub-folders that hold no sound worth having
    per_folder_speaker: bool = False   # each top folder is another speaker
    # Held out to measure false accepts on real speech: never noise or unknown speech in
    # training (as the evaluation-only voices are never synthesized for it).
    evaluation_only: bool = False
    # What each file says, where the package ships it: "fillets" (the game's dialogue
    # scripts), so that utterances that say a keyword can be left out of its negatives.
    transcripts: str = ""
    # (k, n): only the files whose top folder (a game level: its actors and scenes) hashes
    # to k of n, so that one package gives disjoint parts, e.g. to train on and to calibrate.
    part: tuple[int, int] = (0, 1)


_ASTERISK = "/usr/share/asterisk/sounds"
_FILLETS = "/usr/share/games/fillets-ng/sound"
SOURCES = {
    "speech_en": Source("asterisk-core-sounds-en-wav", f"{_ASTERISK}/en_US_f_Allison",
                        ("*.wav", "*/*.wav"), "speech", "CC-BY-SA-3.0",
                        "telephone prompts, one US English woman (8 kHz)", ("silence",)),
    "speech_fr": Source("asterisk-core-sounds-fr-wav", f"{_ASTERISK}/fr_CA_f_June",
                        ("*.wav", "*/*.wav"), "speech", "CC-BY-SA-3.0",
                        "telephone prompts, one Canadian French woman (8 kHz)", ("silence",)),
    "speech_it": Source("asterisk-core-sounds-it-wav", f"{_ASTERISK}/it_IT_m_Carlo",
                        ("*.wav", "*/*.wav"), "speech", "CC-BY-SA-3.0",
                        "telephone prompts, one Italian man (8 kHz)", ("silence",)),
    "speech_ru": Source("asterisk-core-sounds-ru-wav", f"{_ASTERISK}/ru_RU_f_IvrvoiceRU",
                        ("*.wav", "*/*.wav"), "speech", "CC-BY-SA-3.0",
                        "telephone prompts, one Russian woman (8 kHz)", ("silence",)),
    "letters": Source("klettres-data", "/usr/share/klettres", ("*/alpha/*.ogg", "*/syllab/*.ogg"),
                      "speech", "GPL-2+",
                      "letters and syllables read in 19 languages (44.1 kHz)",
                      per_folder_speaker=True),
    # Fish Fillets NG's voiced dialogue: several actors per language, studio speech.
    "dialog_cs": Source("fillets-ng-data-cs", _FILLETS, ("*/cs/*.ogg",), "speech", "GPL-2+",
                        "voiced game dialogue, several Czech actors (22 kHz, 1.8 h)",
                        transcripts="fillets"),
    # Two disjoint halves of it by game level: unknown speech for training, and real
    # speech to choose a threshold on that the model has not heard.
    "dialog_cs_train": Source("fillets-ng-data-cs", _FILLETS, ("*/cs/*.ogg",), "speech",
                              "GPL-2+", "dialog_cs's levels of hash parity 0 (about half)",
                              transcripts="fillets", part=(0, 2)),
    "dialog_cs_calibration": Source("fillets-ng-data-cs", _FILLETS, ("*/cs/*.ogg",), "speech",
                                    "GPL-2+", "dialog_cs's other levels (parity 1)",
                                    transcripts="fillets", part=(1, 2)),
    "dialog_nl": Source("fillets-ng-data-nl", _FILLETS, ("*/nl/*.ogg",), "speech", "GPL-2+",
                        "voiced game dialogue, several Dutch actors (22 kHz, 1.6 h): held out "
                        "for false accepts per hour on real speech", evaluation_only=True,
                        transcripts="fillets"),
    "dialog_en": Source("fillets-ng-data", _FILLETS, ("*/en/*.ogg",), "speech", "GPL-2+",
                        "voiced game dialogue, English (22 kHz, 6 min): held out with dialog_nl",
                        evaluation_only=True, transcripts="fillets"),
    "music": Source("asterisk-moh-opsound-wav", "/usr/share/asterisk/moh", ("*.wav",), "music",
                    "CC-BY-SA-3.0", "five instrumental music-on-hold pieces (8 kHz)"),
    "alerts": Source("sound-theme-freedesktop", "/usr/share/sounds/freedesktop/stereo",
                     ("*.oga",), "alerts", "GPL-2+ / CC-BY-SA-3.0 / CC-BY-3.0",
                     "desktop alert, bell and phone-ring sounds"),
}


def _source(name: str) -> Source:
    if name not in SOURCES:
        raise KwstinyError(f"real noise source {name!r} is not known: use one of "
                           + ", ".join(SOURCES))
    return SOURCES[name]


def training_sources() -> tuple[str, ...]:
    return tuple(n for n, s in SOURCES.items() if not s.evaluation_only)


def refuse_evaluation_only(names) -> None:
    """A clear error when training would use a source held out for evaluation."""
    held = sorted(n for n in names if n in SOURCES and SOURCES[n].evaluation_only)
    if held:
        raise KwstinyError(f"real recordings {', '.join(held)} are held out to measure false "
                           f"accepts on real speech and never used in training: use "
                           + ", ".join(training_sources()))


def recordings(name: str) -> list[Path]:
    """The audio files of one source, sorted; a clear error naming the package if it is
    not installed."""
    source = _source(name)
    root = Path(source.root)
    k, n = source.part
    files = sorted({p for pattern in source.patterns for p in root.glob(pattern)
                    if p.is_file() and not set(p.relative_to(root).parts[:-1]) & set(source.skip)
                    and zlib.crc32(p.relative_to(root).parts[0].encode()) % n == k})
    if not files:
        raise KwstinyError(f"real noise source {name!r} needs the Debian package "
                           f"{source.package}: apt-get install {source.package} "
                           f"(scripts/setup.sh installs it)")
    return files


_LUA_STRING = r'"((?:[^"\\]|\\.)*)"'
_DIALOG_ID = re.compile(r'dialogId\(\s*"([^"]+)"\s*,\s*"[^"]*"\s*,\s*' + _LUA_STRING)
_DIALOG_STR = re.compile(r'dialogStr\(\s*' + _LUA_STRING)


def _fillets_transcripts(files: list[Path]) -> dict[Path, str]:
    """Fish Fillets' sound/LEVEL/LANG/ID.ogg says the text that script/LEVEL/dialogs_LANG.lua
    gives dialog ID: its dialogStr (the translation), or the English original of dialogId
    where the language has none (English itself)."""
    texts: dict[Path, str] = {}
    script = Path(_FILLETS).parent / "script"
    by_place: dict[tuple[str, str], list[Path]] = {}
    for f in files:
        by_place.setdefault((f.parent.parent.name, f.parent.name), []).append(f)
    for (level, lang), here in sorted(by_place.items()):
        lua = script / level / f"dialogs_{lang}.lua"
        said, current = {}, None
        for line in (lua.read_text(encoding="utf-8", errors="replace").splitlines()
                     if lua.is_file() else ()):
            if (found := _DIALOG_ID.search(line)):
                current = found.group(1)
                said[current] = found.group(2)
            elif (found := _DIALOG_STR.search(line)) and current is not None:
                said[current] = found.group(1)
        texts.update({f: said[f.stem] for f in here if f.stem in said})
    return texts


def _letters(text: str) -> str:
    return " ".join(re.findall(r"[^\W\d_]+", text.lower()))


def saying(name: str, words) -> list[Path]:
    """The source's files whose transcript holds any of `words` (a phrase's words in
    order, also inside a longer word: Dutch "multimediacomputer" says "computer").
    Sources without transcripts give none."""
    source = _source(name)
    words = [w for w in (_letters(w) for w in words) if w]
    if source.transcripts != "fillets" or not words:
        return []
    texts = _fillets_transcripts(recordings(name))
    return sorted(f for f, text in texts.items() if any(w in _letters(text) for w in words))


def _cache_dir(what: str, names, sample_rate: int, seed: int) -> Path:
    stamp = {n: [str(p) for p in recordings(n)] for n in sorted(names)}
    key = hashlib.sha1(json.dumps({"what": what, "sources": stamp, "rate": sample_rate,
                                   "seed": seed, "format": 2}).encode()).hexdigest()[:16]
    return paths.home() / "cache" / "real_noise" / f"{what}-{key}"


def _cached(directory: Path, make) -> list[Path]:
    """Files listed in the directory's manifest, made first if it is missing: the
    manifest is written last, so a killed build is redone, never half-used."""
    manifest = directory / "files.json"
    if manifest.is_file():
        return [directory / f for f in json.loads(manifest.read_text())["files"]]
    made = make(directory)
    paths.write_json(manifest, {"files": [p.name for p in made]})
    return made


def _read(path: Path, sample_rate: int) -> np.ndarray | None:
    """The file's audio, or None for the few empty files packages ship (ru's is.wav)."""
    from kwstiny.data.audio import AudioError, read_audio

    try:
        audio = read_audio(path, sample_rate)
    except AudioError:
        return None
    return audio if np.any(audio) else None


def _utterances(names, sample_rate: int) -> list[np.ndarray]:
    from kwstiny.data.samples import trim_silence

    out = []
    for name in names:
        for path in recordings(name):
            audio = _read(path, sample_rate)
            if audio is None:
                continue
            audio = trim_silence(audio)
            if audio.size >= sample_rate // 10:
                out.append(audio / np.abs(audio).max())
    return out


def _talker_track(pieces: list[np.ndarray], n: int, rng: np.random.Generator,
                  sample_rate: int, gap_s=(0.1, 0.6)) -> np.ndarray:
    """Pieces back to back in a random order with short pauses: one person talking."""
    track = np.zeros(n, np.float32)
    filled = int(rng.integers(0, sample_rate // 4))
    while filled < n:
        piece = pieces[int(rng.integers(len(pieces)))]
        piece = piece * 10 ** (rng.uniform(-6, 0) / 20)
        take = min(piece.size, n - filled)
        track[filled:filled + take] = piece[:take]
        filled += take + int(rng.uniform(*gap_s) * sample_rate)
    return track


def _normalized(audio: np.ndarray, peak: float = 0.7) -> np.ndarray:
    top = np.abs(audio).max()
    return (audio * (peak / top) if top > 0 else audio).astype(np.float32)


def noise_files(names, sample_rate: int, seed: int = 0, tracks_per_kind: int = 8) -> list[Path]:
    """Background tracks made from the named sources, cached: for speech, single-talker
    tracks and babble of 3-6 talkers; music in 30 s pieces; alerts spaced by pauses."""
    names = tuple(sorted(set(names)))
    if not names:
        return []
    refuse_evaluation_only(names)
    for name in names:
        recordings(name)  # a missing package fails here, before any work

    def make(directory: Path) -> list[Path]:
        from kwstiny.data.audio import write_wav

        rng = np.random.default_rng(seed)
        n = int(TRACK_SECONDS * sample_rate)
        made = []
        by_kind: dict = {}
        for name in names:
            by_kind.setdefault(SOURCES[name].kind, []).append(name)
        if "speech" in by_kind:
            pieces = _utterances(by_kind["speech"], sample_rate)
            for k in range(tracks_per_kind):
                made.append(write_wav(directory / f"talker-{k}.wav",
                                      _normalized(_talker_track(pieces, n, rng, sample_rate)),
                                      sample_rate))
            for k in range(tracks_per_kind):
                mix = sum(_talker_track(pieces, n, rng, sample_rate)
                          * 10 ** (rng.uniform(-8, 0) / 20)
                          for _ in range(int(rng.integers(3, 7))))
                made.append(write_wav(directory / f"babble-{k}.wav", _normalized(mix),
                                      sample_rate))
        if "music" in by_kind:
            for name in by_kind["music"]:
                for path in recordings(name):
                    audio = _read(path, sample_rate)
                    if audio is None:
                        continue
                    for k, start in enumerate(range(0, audio.size - sample_rate, n)):
                        made.append(write_wav(directory / f"music-{path.stem}-{k}.wav",
                                              _normalized(audio[start:start + n]), sample_rate))
        if "alerts" in by_kind:
            pieces = [_normalized(a) for name in by_kind["alerts"] for p in recordings(name)
                      if (a := _read(p, sample_rate)) is not None]
            for k in range(max(1, tracks_per_kind // 4)):
                made.append(write_wav(directory / f"alerts-{k}.wav",
                                      _normalized(_talker_track(pieces, n, rng, sample_rate,
                                                                gap_s=(0.2, 1.0))), sample_rate))
        return made

    return _cached(_cache_dir("noise", names, sample_rate, seed), make)


def speaker_of(name: str, path: Path) -> str:
    """Who speaks in a file: one person per asterisk voice, one per KLettres language."""
    source = SOURCES[name]
    if source.per_folder_speaker:
        return f"{name}-{path.relative_to(source.root).parts[0]}"
    return name


def speech_clips(names, sample_rate: int, folder: str | Path | None = None,
                 evaluation: bool = False, without: tuple[str, ...] = ()) -> list[Path]:
    """Every utterance of the named speech sources as its own wav at `sample_rate`: real
    speech for the unknown class. Named `real.SPEAKER_nohash_N.wav`, so a dataset folder
    (`folder`, e.g. a dataset's `_unknown_`) splits them by speaker, in a stratum of their
    own; without `folder` they go to the cache. Sources held out for evaluation are
    refused unless `evaluation` (negatives for `kwstiny evaluate`). Utterances whose
    transcript says one of `without` (a keyword) are left out (`saying`)."""
    names = tuple(sorted(set(names)))
    without = tuple(sorted({w for w in without if _letters(w)}))
    if not evaluation:
        refuse_evaluation_only(names)
    for name in names:
        if _source(name).kind != "speech":
            raise KwstinyError(f"real noise source {name!r} holds {SOURCES[name].kind}, not "
                               f"speech: use one of "
                               + ", ".join(n for n, s in SOURCES.items() if s.kind == "speech"))

    def make(directory: Path) -> list[Path]:
        from kwstiny.data.audio import write_wav

        made = []
        for name in names:
            root = Path(SOURCES[name].root)
            said = set(saying(name, without))
            for path in recordings(name):
                audio = None if path in said else _read(path, sample_rate)
                if audio is None:
                    continue
                stem = "-".join(path.relative_to(root).with_suffix("").parts)
                made.append(write_wav(
                    directory / f"real.{speaker_of(name, path)}_nohash_{stem}.wav", audio,
                    sample_rate))
        return made

    left_out = "".join(f"-without-{_letters(w).replace(' ', '_')}" for w in without)
    if folder is None:
        return _cached(_cache_dir("speech" + left_out, names, sample_rate, 0), make)
    folder = Path(folder)
    marker = folder / f".real-speech-{'-'.join(names)}{left_out}-{sample_rate}.json"
    if marker.is_file():
        return [folder / f for f in json.loads(marker.read_text())["files"]]
    made = make(folder)
    paths.write_json(marker, {"files": [p.name for p in made]})
    return made


def inventory(sample_rate: int = 16000) -> dict:
    """What each installed source holds: files, minutes, licence (for reports)."""
    import soundfile

    out = {}
    for name, source in SOURCES.items():
        try:
            files = recordings(name)
        except KwstinyError as error:
            out[name] = {"package": source.package, "installed": False, "error": str(error)}
            continue
        seconds = sum(soundfile.info(str(p)).duration for p in files)
        out[name] = {"package": source.package, "installed": True, "kind": source.kind,
                     "licence": source.licence, "about": source.about, "files": len(files),
                     "minutes": round(seconds / 60, 1)}
    return out
