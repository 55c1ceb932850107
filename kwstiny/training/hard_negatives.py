"""Hard negatives from the model itself: after training, run the model over long
keyword-free audio, add the windows it scored high to the unknown class, fine-tune.

The mining audio is the keyword recipe's long-audio recipe spoken by *training* voices
(`held_out_split="train"`), so no validation or test voice is ever mined. Per round: the
current model scores every window (the stream schedule: n_frames windows every
latency_ms), its detector's false accepts give the FA/h before the round, the windows
whose keyword score reaches `train.hard_negative_score` (at most
`train.hard_negative_clips` per round, strongest first, one per 0.6 s) are written as
training-only `_unknown_` clips, and the model is fine-tuned for
`train.hard_negative_epochs` epochs at `train.hard_negative_learning_rate` on the
dataset plus every clip mined so far. Each round is logged in hard_negatives.json; the
main fit's best weights are kept as best_before_hard_negatives.weights.h5, and the
rounds always start from them, so a rerun repeats the rounds rather than stacking them.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.training.checkpoints import BEST_WEIGHTS
from kwstiny.data.audio import write_wav
from kwstiny.frontend import Frontend, model_input
from kwstiny.progress import console, progress_bar
from kwstiny.stream.detector import run_detector, scores_from_probabilities

FOLDER = "hard_negatives"
BEFORE_WEIGHTS = "best_before_hard_negatives.weights.h5"
_MIN_APART_S = 0.6


def mining_stream_recipe(spec):
    """Long keyword-free (and keyword) audio of the spec's training voices."""
    from kwstiny.data.keyword_recipe import split_stream_recipe
    return split_stream_recipe(spec, "train", seed=6161)


def window_scores(model, audio: np.ndarray, spec, batch_size: int = 256):
    """(times_ms, scores, first samples) of every window the stream loop would run."""
    s = spec.frontend
    frames = Frontend(s).push(np.asarray(audio, np.float32))
    hop = max(1, spec.detection.latency_ms // s.window_step_ms)
    ends = np.arange(s.n_frames, len(frames) + 1, hop)
    if not len(ends):
        return np.zeros(0, np.int64), np.zeros((0, len(spec.classes)), np.uint8), ends
    scores = []
    for i in range(0, len(ends), batch_size):
        windows = np.stack([frames[e - s.n_frames:e] for e in ends[i:i + batch_size]])
        x = model_input(windows, s).reshape((len(windows),) + spec.input_shape)
        scores.append(scores_from_probabilities(model.predict(x.astype(np.float32),
                                                              verbose=0)))
    end_samples = (ends - 1) * s.step_samples + s.window_samples
    times = end_samples * 1000 // s.sample_rate_hz
    return times.astype(np.int64), np.concatenate(scores), (ends - s.n_frames) * s.step_samples


def mine(model, spec, streams, out: Path | None, round_index: int) -> dict:
    """Score the keyword-free streams; write the strongest keyword windows as clips into
    `out` (None: only count)."""
    from kwstiny.data.long_audio import read_stream

    s = spec.frontend
    classes = list(spec.classes)
    keyword = [i for i, c in enumerate(classes) if not c.startswith("_")]
    length = (s.n_frames - 1) * s.step_samples + s.window_samples
    candidates, false_accepts, seconds = [], 0, 0.0
    with progress_bar() as bar:
        task = bar.add_task(f"hard negatives, round {round_index}: scoring", total=len(streams))
        for n, stream in enumerate(streams):
            audio = read_stream(stream, s.sample_rate_hz)
            seconds += len(audio) / s.sample_rate_hz
            times, scores, starts = window_scores(model, audio, spec)
            false_accepts += len(run_detector(classes, spec.detection, times, scores))
            top = scores[:, keyword].max(axis=1) if len(scores) else np.zeros(0)
            for k in np.nonzero(top >= spec.train.hard_negative_score)[0]:
                candidates.append((int(top[k]), n, int(starts[k]), audio))
            bar.advance(task)
    candidates.sort(key=lambda c: -c[0])
    taken, records = [], []
    apart = int(_MIN_APART_S * s.sample_rate_hz)
    for score, n, start, audio in candidates if out is not None else ():
        if len(taken) >= spec.train.hard_negative_clips:
            break
        if any(m == n and abs(start - other) < apart for m, other in taken):
            continue
        taken.append((n, start))
        name = f"_unknown_/r{round_index}_{n:02d}_{start:09d}.wav"
        write_wav(out / name, audio[start:start + length], s.sample_rate_hz)
        records.append({"path": name, "group": f"hard_negatives_r{round_index}",
                        "split": "train", "score": score})
    hours = seconds / 3600
    return {"round": round_index, "mining_hours": round(hours, 3),
            "false_accepts_before": false_accepts,
            "false_accepts_per_hour_before": false_accepts / hours if hours else None,
            "windows_over_score": len(candidates), "clips_added": len(records),
            "records": records}


def fine_tuning_spec(spec, folder: Path):
    """The spec each round fine-tunes with: a constant hard_negative_learning_rate, and
    the mined windows in `folder` as training-only clips beside the spec's own extra
    folders (real speech in the unknown class stays in it)."""
    t = spec.train
    return dataclasses.replace(spec, train=dataclasses.replace(
        t, learning_rate_schedule="steps",
        learning_rate_steps=((1.0, t.hard_negative_learning_rate),)),
        dataset=dataclasses.replace(
            spec.dataset, extra_folders=tuple(spec.dataset.extra_folders) + (str(folder),)))


def run_rounds(spec, model, run_dir: Path) -> list[dict]:
    """Mine and fine-tune `spec.train.hard_negative_rounds` times; returns the log."""
    from kwstiny.training import tricks
    from kwstiny.data.long_audio import load_streams
    from kwstiny.data.pipeline import SpecData, class_weights, steps_per_epoch, training_dataset
    from kwstiny.metrics import balanced_accuracy

    t = spec.train
    before = run_dir / BEFORE_WEIGHTS
    if not before.is_file():
        shutil.copyfile(run_dir / BEST_WEIGHTS, before)
    model.load_weights(str(before))
    recipe = mining_stream_recipe(spec)
    streams = [f for f in load_streams(recipe.prepare(t.hard_negative_scale or spec.dataset.scale))
               if f.kind == "negative"]
    folder = run_dir / FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    records, log = [], []
    tuned = fine_tuning_spec(spec, folder)
    for r in range(1, t.hard_negative_rounds + 1):
        entry = mine(model, spec, streams, folder, r)
        records += entry.pop("records")
        paths.write_text(folder / "manifest.jsonl",
                         "".join(json.dumps(x) + "\n" for x in records))
        data = SpecData(tuned)
        try:
            steps = steps_per_epoch(data, t.batch_size)
            tricks.compile_model(model, tuned, steps * t.hard_negative_epochs)
            dataset = training_dataset(data, t.epochs + 1000 * r, t.batch_size)
            transform = tricks.batch_transform(tuned)
            if transform is not None:
                dataset = dataset.map(transform)
            weights = class_weights(data) if t.class_weights == "balanced" else None
            model.fit(dataset, epochs=t.hard_negative_epochs, steps_per_epoch=steps,
                      class_weight=weights, verbose=1 if console.is_terminal else 2)
            x_val, y_val = data.features("validation")
        finally:
            data.close()
        predicted = model.predict(x_val.astype(np.float32), batch_size=256, verbose=0).argmax(1)
        entry["val_balanced_accuracy_after"] = balanced_accuracy(y_val, predicted,
                                                                 len(spec.classes))
        entry["unknown_clips_mined_so_far"] = len(records)
        log.append(entry)
        console.print(f"hard negatives round {r}: {entry['false_accepts_before']} false "
                      f"accepts in {entry['mining_hours']:.2f} h before it, "
                      f"{entry['clips_added']} windows added; val balanced accuracy after "
                      f"{entry['val_balanced_accuracy_after']:.4f}")
    model.save_weights(str(run_dir / BEST_WEIGHTS))
    final = mine(model, spec, streams, None, 0)
    summary = {"rounds": log, "mining_recipe": recipe.name,
               "false_accepts_after": final["false_accepts_before"],
               "false_accepts_per_hour_after": final["false_accepts_per_hour_before"]}
    paths.write_json(run_dir / "hard_negatives.json", summary)
    return log
