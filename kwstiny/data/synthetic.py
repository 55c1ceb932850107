"""Making a synthetic speech dataset: plan every clip, synthesize on every core, resume.

The plan (text, voice, speed, pitch, seed of every clip) is fixed before any audio is made
and saved, so an interrupted run continues with exactly the clips it would have made.
Clips are written atomically and recorded chunk by chunk in `.partial/`; the manifest and
the completion marker (`dataset.json`) are written last, so a dataset folder is either
complete or resumable, never half-written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from kwstiny.data.audio import write_wav
from kwstiny.data.index import MANIFEST_FILE, NOISE_FOLDER
from kwstiny.data.noise import make_noise
from kwstiny.data.perturb import perturb_voice
from kwstiny.data.recipes import SynthesisRecipe, keyword_split
from kwstiny.data.synth import Voice, close_engines, synthesize, voices
from kwstiny.errors import KwstinyError
from kwstiny.paths import dataset_cache, write_json, write_text
from kwstiny.progress import progress_bar

log = logging.getLogger(__name__)

# Bump when a change here changes the audio made from the same recipe.
GENERATOR_VERSION = 1
COMPLETE_FILE = "dataset.json"
CHUNK_SIZE = 25
# Speech is where 10 ms frames come within this many dB of the loudest frame.
SPEECH_FLOOR_DB = -40.0
# Around a keyword's estimated bounds, kept inside a keyword clip.
KEYWORD_MARGIN_S = 0.06
FADE_S = 0.005


# Planning --------------------------------------------------------------------------------

def plan_jobs(recipe: SynthesisRecipe, scale: str,
              voice_lists: dict[str, tuple[Voice, ...]]) -> list[dict]:
    """Every clip of the dataset as a dict: what to say, with which voice, how."""
    engines = list(recipe.engines)
    for engine in engines:
        if not voice_lists.get(engine):
            raise KwstinyError(f"{engine} has no usable English voice here; recipe "
                               f"{recipe.name} needs one")
    reserved = sorted(v.id for e in engines for v in voice_lists[e] if v.evaluation_only)
    if reserved:
        raise KwstinyError(f"recipe {recipe.name}: voices {', '.join(reserved)} are reserved "
                           f"for evaluation and never used to make training data")
    jobs = []
    for class_index, cls in enumerate(recipe.classes):
        n = recipe.counts[scale][cls.label]
        rng = np.random.default_rng([recipe.seed, class_index])
        pool_of = _allocate(n, [p.share for p in cls.pools], rng)
        engine_of = _allocate(n, [recipe.engines[e] for e in engines], rng)
        # Texts and voices take turns in a shuffled order, so each is used about equally.
        text_orders = [rng.permutation(len(p.texts)) for p in cls.pools]
        voice_orders = {e: rng.permutation(len(voice_lists[e])) for e in engines}
        text_turn = [0] * len(cls.pools)
        voice_turn = dict.fromkeys(engines, 0)
        for i in range(n):
            p, engine = pool_of[i], engines[engine_of[i]]
            pool = cls.pools[p]
            text = pool.texts[text_orders[p][text_turn[p] % len(pool.texts)]]
            text_turn[p] += 1
            order = voice_orders[engine]
            voice = voice_lists[engine][order[voice_turn[engine] % len(order)]]
            voice_turn[engine] += 1
            speed = float(rng.uniform(*recipe.speed_range))
            pitch = float(rng.uniform(*recipe.pitch_range)) if voice.pitch_adjustable else 1.0
            sample_id = f"{cls.label}/{voice.id}_nohash_{i:05d}"
            jobs.append({
                "sample_id": sample_id, "path": sample_id + ".wav", "label": cls.label,
                "group": voice.id, "engine": voice.engine, "voice": voice.name,
                "variant": voice.variant, "voice_file": voice.file, "text": text,
                "pool": pool.name, "keyword": cls.keyword, "speed": round(speed, 3),
                "pitch": round(pitch, 3),
                "peak": round(float(rng.uniform(*recipe.peak_range)), 3),
                "seed": int(rng.integers(2 ** 31)),
            })
    return jobs


def _allocate(n: int, shares: list[float], rng: np.random.Generator) -> np.ndarray:
    """n items split by shares (largest remainder), as a shuffled array of share indices."""
    shares = np.asarray(shares, dtype=float) / sum(shares)
    counts = np.floor(shares * n).astype(int)
    for k in np.argsort(-(shares * n - counts))[: n - counts.sum()]:
        counts[k] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


# One clip --------------------------------------------------------------------------------

def speech_bounds(audio: np.ndarray, sample_rate: int,
                  floor_db: float = SPEECH_FLOOR_DB) -> tuple[int, int]:
    """(first, last + 1) sample of the part that is not silence; (0, 0) if all silent."""
    hop = max(1, sample_rate // 100)
    n = len(audio) // hop
    if n == 0:
        return 0, 0
    energy = np.mean(audio[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1)
    loudest = energy.max()
    if loudest <= 0:
        return 0, 0
    loud = np.flatnonzero(energy >= loudest * 10 ** (floor_db / 10))
    return int(loud[0] * hop), int((loud[-1] + 1) * hop)


def render_clip(job: dict, recipe: SynthesisRecipe) -> tuple[np.ndarray, dict]:
    """Synthesize one planned clip: trimmed, cut to length, scaled; and what it holds."""
    rate = recipe.sample_rate
    voice = Voice(job["engine"], job["voice"], job["variant"], job["voice_file"])
    rng = np.random.default_rng(job["seed"])

    def speak(text: str) -> np.ndarray:
        return synthesize(text, voice, rate, speed=job["speed"], pitch=job["pitch"])

    audio = speak(job["text"])
    start, end = speech_bounds(audio, rate)
    if end <= start:
        raise KwstinyError(f"{voice.id} produced silence for {job['text']!r}")
    info: dict = {}
    if job["keyword"]:
        kw_start, kw_end = keyword_bounds(job["text"], job["keyword"], speak, start, end,
                                          rate)
    if recipe.perturbation is not None:
        # Only the speech and the most padding a clip can keep are re-voiced (the engines'
        # silences are 10-40 % of their output); its own generator, so that clips without
        # perturbation stay as they were.
        margin = int(recipe.pad_ms[1] * rate / 1000) + 1
        low, high = max(0, start - margin), min(len(audio), end + margin)
        audio, info["perturbation"] = perturb_voice(
            audio[low:high], rate, np.random.default_rng([job["seed"], 1]), recipe.perturbation)
        stretch = len(audio) / (high - low)  # a tempo change moves every bound in proportion

        def moved(bound: int) -> int:
            return int((bound - low) * stretch)

        start, end = moved(start), moved(end)
        if job["keyword"]:
            kw_start, kw_end = moved(kw_start), moved(kw_end)
    first = max(0, start - int(rng.uniform(*recipe.pad_ms) * rate / 1000))
    last = min(len(audio), end + int(rng.uniform(*recipe.pad_ms) * rate / 1000))
    if job["keyword"]:
        limit = int(recipe.keyword_window_ms * rate / 1000)
        if last - first > limit:
            # Any window of the limit that keeps the keyword (plus a margin) whole.
            margin = int(KEYWORD_MARGIN_S * rate)
            low = max(first, kw_end + margin - limit)
            high = min(max(first, kw_start - margin), last - limit)
            if low > high:  # a keyword longer than the window: keep its middle
                low = high = max(first, (kw_start + kw_end - limit) // 2)
            first = int(rng.integers(low, high + 1))
            last = first + limit
        info["keyword_start"] = round((kw_start - first) / rate, 3)
        info["keyword_end"] = round((min(kw_end, last) - first) / rate, 3)
    else:
        limit = int(recipe.max_clip_ms * rate / 1000)
        if last - first > limit:
            first = int(rng.integers(first, last - limit + 1))
            last = first + limit
    clip = audio[first:last].astype(np.float32)
    fade = min(int(FADE_S * rate), len(clip) // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        clip[:fade] *= ramp
        clip[-fade:] *= ramp[::-1]
    peak = float(np.abs(clip).max())
    if peak > 0:
        clip *= job["peak"] / peak
    info["duration"] = round(len(clip) / rate, 3)
    return clip, info


def keyword_bounds(text: str, keyword: str, speak, start: int, end: int,
                   rate: int) -> tuple[int, int]:
    """Where the keyword is inside the phrase, in samples.

    Neither engine reports word times on its command line, so parts of the phrase are
    spoken alone with the same settings. The keyword ends where "words before + keyword"
    stops. It starts at the earlier of two estimates: where "words before" stops (late when
    that word is drawn out as phrase-final) and the phrase's end minus the length of
    "keyword + words after". Checked against flite's own segment times (-psdur) on every
    carrier phrase at speeds 0.75 and 1.3: the start is at most 50 ms late (often early),
    the end at most 40 ms early (up to 200 ms late); KEYWORD_MARGIN_S covers the rest.
    """
    before, keyword, after = keyword_split(text, keyword)
    kw_start, kw_end = start, end
    if re.search(r"[A-Za-z0-9]", before):
        prefix_end = speech_bounds(speak(before.strip()), rate)[1]
        tail = speech_bounds(speak((keyword + after).strip()), rate)
        kw_start = min(prefix_end, end - (tail[1] - tail[0]))
    if re.search(r"[A-Za-z0-9]", after):
        kw_end = speech_bounds(speak((before + keyword).strip()), rate)[1]
    kw_start = int(np.clip(kw_start, start, end - 1))
    kw_end = int(np.clip(kw_end, kw_start + 1, end))
    return kw_start, kw_end


# The dataset -----------------------------------------------------------------------------

def fingerprint(recipe: SynthesisRecipe, scale: str) -> str:
    settings = json.dumps({"generator": GENERATOR_VERSION, "scale": scale,
                           "recipe": recipe.settings()}, sort_keys=True, default=str)
    return hashlib.sha256(settings.encode()).hexdigest()[:16]


def build_dataset(recipe: SynthesisRecipe, scale: str, workers: int | None = None,
                  progress: bool = True, root: Path | None = None) -> Path:
    """Make (or finish, or reuse) the dataset folder of `recipe` at `scale`."""
    root = Path(root) if root else dataset_cache(f"{recipe.name}-{scale}")
    print_ = fingerprint(recipe, scale)
    marker, partial = root / COMPLETE_FILE, root / ".partial"
    if marker.is_file():
        if _read_json(marker).get("fingerprint") == print_:
            return root
        log.warning("%s was made from an older version of recipe %s; making it again",
                    root, recipe.name)
        _clear(root)
    jobs = None
    if (partial / "plan.json").is_file():
        saved = _read_json(partial / "plan.json")
        if saved.get("fingerprint") == print_:
            jobs = saved["jobs"]
        else:
            _clear(root)
    elif root.is_dir() and any(root.iterdir()):
        raise KwstinyError(f"{root} holds files kwstiny did not write; move them away so the "
                           f"{recipe.name} dataset can be made there")
    if jobs is None:
        jobs = plan_jobs(recipe, scale, voices(tuple(recipe.engines)))
        write_json(partial / "plan.json", {"fingerprint": print_, "jobs": jobs})
    chunks = [jobs[i:i + CHUNK_SIZE] for i in range(0, len(jobs), CHUNK_SIZE)]
    todo = [i for i in range(len(chunks)) if not _chunk_file(partial, i).is_file()]
    _remove_temporary_files(root)
    workers = workers or os.cpu_count() or 1
    began = time.perf_counter()
    with progress_bar(progress) as bar:
        done_before = len(jobs) - sum(len(chunks[i]) for i in todo)
        task = bar.add_task(f"synthesizing {recipe.name} ({scale})", total=len(jobs),
                            completed=done_before)
        with ThreadPoolExecutor(workers) as pool:
            futures = {pool.submit(_render_chunk, chunks[i], recipe, root,
                                   lambda: bar.advance(task)): i for i in todo}
            try:
                for future in as_completed(futures):
                    records = future.result()
                    write_text(_chunk_file(partial, futures[future]),
                               "".join(json.dumps(r) + "\n" for r in records))
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        noise_files = _make_noise(recipe, scale, root, jobs, bar)
    close_engines()
    records = [json.loads(line) for i in range(len(chunks))
               for line in _chunk_file(partial, i).read_text().splitlines() if line]
    # The manifest says what each clip holds; its render time goes only into the summary.
    write_text(root / MANIFEST_FILE, "".join(
        json.dumps({k: v for k, v in r.items() if k != "render_seconds"}) + "\n"
        for r in records))
    write_json(marker, _summary(recipe, scale, print_, records, noise_files,
                                time.perf_counter() - began, resumed=done_before > 0,
                                workers=workers))
    shutil.rmtree(partial, ignore_errors=True)
    return root


def _render_chunk(jobs: list[dict], recipe: SynthesisRecipe, root: Path, advance) -> list[dict]:
    records = []
    for job in jobs:
        began = time.perf_counter()
        audio, info = render_clip(job, recipe)
        write_wav(root / job["path"], audio, recipe.sample_rate)
        record = {k: v for k, v in job.items() if k not in ("seed", "voice_file", "keyword")}
        # Wall time of the clip in its worker thread, for the summary's per-engine cost.
        records.append({**record, **info,
                        "render_seconds": round(time.perf_counter() - began, 4)})
        advance()
    return records


def _make_noise(recipe: SynthesisRecipe, scale: str, root: Path, jobs: list[dict],
                bar) -> list[str]:
    if not recipe.noise_kinds:
        return []
    task = bar.add_task("generating background noise", total=len(recipe.noise_kinds))
    speakers = sorted({(j["engine"], j["voice"], j["variant"], j["voice_file"]) for j in jobs})
    babble_voices = [Voice(*s) for s in speakers]
    names = []
    for k, kind in enumerate(recipe.noise_kinds):
        path = root / NOISE_FOLDER / f"{kind}.wav"
        if not path.is_file():
            audio = make_noise(kind, recipe.noise_seconds[scale], recipe.sample_rate,
                               seed=recipe.seed * 100 + k, voices=babble_voices,
                               sentences=recipe.babble_sentences)
            write_wav(path, audio, recipe.sample_rate)
        names.append(path.relative_to(root).as_posix())
        bar.advance(task)
    return names


def _summary(recipe, scale, print_, records, noise_files, seconds, resumed, workers) -> dict:
    per_class: dict = {}
    groups: dict = {}
    engine_clips: dict = {}
    engine_seconds: dict = {}
    for r in records:
        per_class[r["label"]] = per_class.get(r["label"], 0) + 1
        groups.setdefault(r["engine"], set()).add(r["group"])
        engine_clips[r["engine"]] = engine_clips.get(r["engine"], 0) + 1
        engine_seconds[r["engine"]] = engine_seconds.get(r["engine"], 0.0) + r.get(
            "render_seconds", 0.0)
    return {
        "recipe": recipe.name, "scale": scale, "fingerprint": print_,
        "generator_version": GENERATOR_VERSION, "sample_rate": recipe.sample_rate,
        "clips": per_class, "voices_used": {e: len(g) for e, g in sorted(groups.items())},
        "clips_per_engine": dict(sorted(engine_clips.items())),
        # Summed over worker threads, so it exceeds the wall time when workers overlap.
        "render_seconds_per_engine": {e: round(t, 1) for e, t in sorted(engine_seconds.items())},
        "noise_files": noise_files, "seconds": round(seconds, 1), "resumed": resumed,
        "workers": workers,
    }


def _chunk_file(partial: Path, index: int) -> Path:
    return partial / f"chunk-{index:05d}.jsonl"


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _clear(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def _remove_temporary_files(root: Path) -> None:
    """A killed run can leave the temporary files of unfinished atomic writes."""
    if root.is_dir():
        for leftover in root.rglob(".*.tmp*"):
            if leftover.is_file():
                leftover.unlink()
