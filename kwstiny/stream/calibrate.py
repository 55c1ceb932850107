"""`kwstiny calibrate MODEL`: choose the detection threshold on validation voices.

The threshold is the one setting a user feels most, and the test split (and any real
recordings) must not choose it. Here the model runs over long audio spoken only by the
voices of its dataset's *validation* split (the keyword recipe's stream recipe with
`held_out_split="validation"`): keyword conversations and keyword-free speech with
confusable words over noise. The chosen threshold is the lowest one (so the fewest
misses) whose false accepts per hour on that audio stay at or below the target; it is
written into the .tflite's metadata, and the curve into evaluation/calibration.json.

With `real_speech` (names of trainable real speech sources, kwstiny.data.real_noise, e.g.
dialog_cs) the false accepts are counted instead on a stream of those real utterances
over a noise bed, and the misses still on the validation voices' keywords: the
synthetic keyword-free audio is dense with confusable words said by synthetic voices, so
a threshold that allows none of them there can sit far above what real speech needs.
Held-out (evaluation-only) sources are refused.

The validation streams leave out the confusable words that hold the whole keyword
("supercomputer"): saying one says the keyword (without_keyword_inside). `--scale long`
(6 h keyword-free, 400 keywords) lets a 0.5 FA/h target rest on three false accepts
instead of none. What the validation voices said at each false accept one step below the
chosen threshold goes into calibration.json, so a user sees what the threshold rests on.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from kwstiny import paths
from kwstiny.errors import KwstinyError
from kwstiny.progress import console
from kwstiny.stats import poisson_rate, wilson

VALIDATION_SEED = 5151


def validation_stream_recipe(spec):
    """The long-audio recipe of the spec's keyword data, spoken by validation voices,
    without the confusable words that hold the keyword (without_keyword_inside)."""
    from kwstiny.data.keyword_recipe import split_stream_recipe
    return without_keyword_inside(split_stream_recipe(spec, "validation",
                                                      seed=VALIDATION_SEED))[0]


def without_keyword_inside(recipe):
    """(recipe, words left out): the stream recipe without its confusable words whose
    phonemes hold the keyword whole (supercomputer, computers). A detection on those is no
    false accept, as real utterances whose transcript says the keyword are none; counted,
    the threshold rests on them (kws_computer_all seed 2: at 240, "supercomputer" fired 9
    of 17 times and "computers" 8 of 28 in 6 h of its validation streams, 17 of its 21
    false accepts there). The model still trains on them as unknown."""
    from kwstiny.data.confusables import saying_keyword

    inside = saying_keyword(recipe.keyword, recipe.confusable + recipe.words)
    confusable = tuple(t for t in recipe.confusable if t not in inside)
    words = tuple(t for t in recipe.words if t not in inside)
    if not inside or not confusable or not words:
        return recipe, ()
    return dataclasses.replace(recipe, confusable=confusable, words=words), inside


def choose_threshold(curve: list[dict], target_fa_per_hour: float) -> dict:
    """The lowest threshold whose FA/h is at most the target (255 if none is)."""
    for point in curve:
        if point["false_accepts_per_hour"] is not None and \
                point["false_accepts_per_hour"] <= target_fa_per_hour:
            return point
    return curve[-1]


def real_speech_stream(classifier, names: tuple[str, ...]):
    """The model's scores on one keyword-free stream of the named real speech sources
    (their utterances with pauses over a noise bed, as `evaluate --clips` builds it)."""
    from kwstiny.data.real_noise import speech_clips
    from kwstiny.stream.clip_evaluation import (NoiseBank, audio_scores, load_recordings,
                                                long_streams)
    from kwstiny.stream.evaluation import StreamScores

    rate = classifier.sample_rate
    # Utterances whose transcript says a keyword are no false accepts: left out.
    spoken = tuple(c.replace("_", " ") for c in classifier.classes if not c.startswith("_"))
    folder = (paths.home() / "cache" / "calibration_speech" /
              "-".join(sorted(names) + [f"without_{c}" for c in sorted(spoken)]))
    speech_clips(names, rate, folder=folder, without=spoken)   # refuses evaluation-only ones
    recordings, _ = load_recordings(folder, rate)
    (_, audio, _), = [s for s in long_streams([], recordings, rate, NoiseBank(rate))
                      if s[0] == "negative"]
    name = f"real speech {'+'.join(names)}"
    times, scores = audio_scores(classifier, audio, name)
    keyword = next(c for c in classifier.classes if not c.startswith("_"))
    return StreamScores(file=name, kind="negative", keyword=keyword,
                        duration_s=len(audio) / rate, keyword_ends_s=(), times_ms=times,
                        scores=scores)


def calibrate(model: str, target_fa_per_hour: float = 0.5, scale: str | None = None,
              runtime: str = "tflm", real_speech: tuple[str, ...] = (),
              streams_of: str = "") -> dict:
    from kwstiny.data.keyword_recipe import split_stream_recipe
    from kwstiny.data.long_audio import load_streams
    from kwstiny.inference import open_tflite
    from kwstiny.spec import load_run_spec, load_spec
    from kwstiny.stream.evaluation import score_streams, threshold_curve
    from kwstiny.stream.loop import StreamClassifier
    from kwstiny.tflite import read_metadata, write_metadata

    if target_fa_per_hour < 0:
        raise KwstinyError(f"--target-fa-per-hour {target_fa_per_hour}: give a rate >= 0")
    if real_speech:
        from kwstiny.data.real_noise import recordings, refuse_evaluation_only
        refuse_evaluation_only(real_speech)
        for name in real_speech:
            recordings(name)      # unknown or missing sources fail before any scoring
    tflite, path = open_tflite(model, runtime)
    metadata = tflite.metadata
    spec = load_run_spec(metadata.get("name", ""))
    if streams_of:
        # Another spec's validation streams (e.g. one without the words that start like
        # the keyword): tells whether a threshold comes from the model or its streams.
        other = load_spec(streams_of)
        if other.classes != spec.classes:
            raise KwstinyError(f"--streams-of {streams_of}: its classes "
                               f"({', '.join(other.classes)}) are not the model's "
                               f"({', '.join(spec.classes)})")
        spec = dataclasses.replace(other, dataset=dataclasses.replace(
            other.dataset, scale=spec.dataset.scale))
    recipe, left_out = without_keyword_inside(
        split_stream_recipe(spec, "validation", seed=VALIDATION_SEED))
    scale = scale or spec.dataset.scale
    root = recipe.prepare(scale)
    classifier = StreamClassifier(tflite)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    out = path.parent / "evaluation"
    files = load_streams(root)
    streams = score_streams(classifier, files, out / "calibration_scores", runtime, digest)
    # Per-class thresholds would override the one chosen here: calibrate them away.
    settings = dataclasses.replace(classifier.detection, class_thresholds={})
    curve = threshold_curve(classifier.classes, settings, streams)
    hours = sum(s.duration_s for s in streams) / 3600
    speech_hours = None
    if real_speech:
        speech = real_speech_stream(classifier, tuple(real_speech))
        speech_hours = speech.duration_s / 3600
        real = threshold_curve(classifier.classes, settings, [speech])
        curve = [{**point, "synthetic_false_accepts": point["false_accepts"],
                  "false_accepts": r["false_accepts"],
                  "false_accepts_per_hour": r["false_accepts"] / speech_hours}
                 for point, r in zip(curve, real)]
    chosen = choose_threshold(curve, target_fa_per_hour)
    fa_hours = speech_hours if real_speech else hours
    # What the validation voices said where the model fires one step below the chosen
    # threshold: a threshold resting on one near-homophone ("jardin" for jarvis) or on
    # ordinary sentences reads differently.
    below = max(chosen["threshold"] - 1, 0)
    firing = said_at_false_accepts(classifier.classes, settings, files, streams, below)
    result = {
        "model": str(path), "data": {"recipe": recipe.name, "scale": scale, "root": str(root),
                                     "voices": "validation split", "hours": hours,
                                     # Words that hold the keyword: not in the streams.
                                     "left_out": list(left_out)},
        "false_accepts_from": (f"real speech {', '.join(real_speech)} ({speech_hours:.2f} h)"
                               if real_speech else "the validation-voice streams"),
        "target_false_accepts_per_hour": target_fa_per_hour,
        "previous_threshold": metadata.get("detection_threshold"),
        "threshold": chosen["threshold"],
        "frr": wilson(chosen["missed"], chosen["keywords"]),
        "false_accepts_per_hour": poisson_rate(chosen["false_accepts"], fa_hours),
        # The first 50: a badly trained model fires thousands of times.
        "validation_false_accepts_below_threshold": {"threshold": below,
                                                     "false_accepts": len(firing),
                                                     "events": firing[:50]},
        "curve": curve,
    }
    new = {**read_metadata(data), "detection_threshold": chosen["threshold"],
           "class_thresholds": {}}
    paths.write_bytes(path, write_metadata(data, new))
    paths.write_json(out / "calibration.json", result)
    console.print(
        f"{path.name}: threshold {chosen['threshold']} (was {result['previous_threshold']}) on "
        f"{hours:.2f} h of validation-voice streams: FRR {chosen['missed']}/{chosen['keywords']}, "
        f"{chosen['false_accepts']} false accepts on {result['false_accepts_from']} "
        f"({chosen['false_accepts_per_hour']:.2f}/h, "
        f"target {target_fa_per_hour}/h); wrote the threshold into the model's metadata and "
        f"{out / 'calibration.json'}"
        + (f" (the streams leave out {', '.join(left_out)}: they hold the keyword)"
           if left_out else ""))
    if firing:
        shown = "; ".join(f"{e['kind']} {e['text']!r} ({e['voice']})" for e in firing[:5])
        more = f" and {len(firing) - 5} more" if len(firing) > 5 else ""
        times = "once" if len(firing) == 1 else f"{len(firing)} times"
        console.print(f"at {below} the validation streams fire {times}, on: "
                      f"{shown}{more}")
    return result


def said_at_false_accepts(classes, settings, files, streams, threshold: int) -> list[dict]:
    """Each false accept on the validation streams at `threshold`: its stream and time, and
    the last event (word, confusable, sentence ...) that began before it, from the stream's
    label file: a detection comes at the end of the window that heard it."""
    from kwstiny.stream.evaluation import false_accepts_at

    label_of = {str(f.path): f.labels for f in files}
    found = []
    for stream, time_ms in false_accepts_at(classes, settings, streams, threshold):
        events = [e for e in label_of.get(stream.file, {}).get("events", [])
                  if e.get("start_s", 0) * 1000 <= time_ms]
        event = events[-1] if events else {}
        found.append({"stream": f"{stream.kind}/{Path(stream.file).name}",
                      "time_s": time_ms / 1000,
                      "kind": event.get("kind", ""), "text": event.get("text", ""),
                      "voice": event.get("voice", "")})
    return found
