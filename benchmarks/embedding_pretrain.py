"""Pre-train a spec's model trunk to reproduce the speech embedding of what it hears
(kwstiny.teachers.embedding_pretrain), for keyword training to start from
(train.initial_weights).

    python benchmarks/embedding_pretrain.py SPEC [--real-step 4] [--synthetic-epochs 1]
                                                 [--epochs 4] [--out PATH]

Windows: every `--real-step`-th 80 ms position of the real speech that may train (Debian
speech packages, the Czech dialogue's training half; all of it, since no label is used)
and of the spec's real background recordings, plus `--synthetic-epochs` augmented
training epochs of the spec. Every 20th real recording and every 20th synthetic window
are held out to measure the fit (explained variance of the standardized embedding).
Writes the trunk to ~/.kwstiny/teachers/SPEC.trunk.h5 and the measurements to
benchmarks/results/embedding_pretrain/SPEC.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from embedding_teacher import MAX_SECONDS, TRAINING_SPEECH, log  # noqa: E402
from kwstiny.paths import home, write_json  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "embedding_pretrain"
HOLD_OUT_EVERY = 20


def real_pairs(spec, embedder, step: int):
    from kwstiny.data.audio import read_audio
    from kwstiny.data.real_noise import speech_clips
    from kwstiny.data.samples import augment_files
    from kwstiny.teachers.embedding_pretrain import recording_pairs

    rate = spec.frontend.sample_rate_hz
    files = (list(speech_clips(TRAINING_SPEECH, rate))
             + list(augment_files(spec.augment, rate)[0]))
    warmup = spec.augment.warmup_ms * rate // 1000
    features, targets, held = [], [], []
    for n, path in enumerate(files):
        audio = read_audio(path, rate)[:rate * MAX_SECONDS]
        x, y = recording_pairs(audio, spec.frontend, embedder, step, warmup)
        features.append(x)
        targets.append(y)
        held.append(np.full(len(x), n % HOLD_OUT_EVERY == 0))
        if n % 500 == 0:
            log(f"real: {n}/{len(files)} recordings, {sum(len(f) for f in features)} windows")
    return np.concatenate(features), np.concatenate(targets), np.concatenate(held)


def synthetic_pairs(spec, epochs: int):
    from kwstiny.data.pipeline import SpecData, augmented_embedded
    from kwstiny.progress import progress_bar

    features, targets = [], []
    with SpecData(spec) as data:
        for epoch in range(epochs):
            recipes = data.plan_epoch(epoch)
            with progress_bar() as progress:
                task = progress.add_task(f"synthetic epoch {epoch}", total=len(recipes))
                for x, y in data.pool.imap(augmented_embedded, recipes, chunksize=16):
                    features.append(x)
                    targets.append(y)
                    progress.advance(task)
    held = np.arange(len(features)) % HOLD_OUT_EVERY == 0
    return np.stack(features), np.stack(targets), held


def main(argv=None) -> int:
    from kwstiny.spec import load_spec
    from kwstiny.teachers.embedding_pretrain import pretrain
    from kwstiny.teachers.speech_embedding import SpeechEmbedding

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec")
    parser.add_argument("--real-step", type=int, default=4)
    parser.add_argument("--synthetic-epochs", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    spec = load_spec(args.spec)
    out = args.out or home() / "teachers" / f"{spec.name}.trunk.h5"
    started = time.time()

    real_x, real_y, real_held = real_pairs(spec, SpeechEmbedding(threads=2), args.real_step)
    log(f"real: {len(real_x)} windows, {time.time() - started:.0f} s")
    syn_x, syn_y, syn_held = synthetic_pairs(spec, args.synthetic_epochs)
    log(f"synthetic: {len(syn_x)} windows, {time.time() - started:.0f} s")
    features = np.concatenate([real_x, syn_x])
    targets = np.concatenate([real_y, syn_y]).astype(np.float32)
    held = np.concatenate([real_held, syn_held])
    del real_x, syn_x
    is_real = np.arange(len(features)) < len(real_y)
    fit = pretrain(spec, features, targets, held, args.epochs, out, log=log,
                   groups={"real": held & is_real, "synthetic": held & ~is_real})
    by_source = {name: {**group, "explained_variance": round(group["explained_variance"], 4)}
                 for name, group in fit["held_out_by_group"].items()}
    result = {"spec": spec.name, "trunk": str(out), "real_step": args.real_step,
              "synthetic_epochs": args.synthetic_epochs, "epochs": args.epochs,
              "windows": {"real": int(is_real.sum()), "synthetic": int((~is_real).sum()),
                          "held_out": int(held.sum())},
              "held_out_explained_variance_per_epoch": [
                  round(v, 4) for v in fit["held_out_explained_variance"]],
              "held_out_by_source": by_source, "trunk_output": fit["trunk_output"],
              "seconds": round(time.time() - started), "provenance": provenance()}
    write_json(OUT / f"{spec.name}.json", result)
    log(f"wrote {out} and {OUT / f'{spec.name}.json'}: {by_source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
