"""`kwstiny ensemble RUN RUN [RUN ...]`: one int8 model whose scores are the average of
several trained runs of one spec (the same recipe from different seeds).

Why: on real recordings a single model's first false fires on real speech are mostly its
own: seed to seed they land on different utterances, while real keywords score high in
every seed, so the average detects more real keywords before its first real false fire
(computer: 152-214 of 411 for pairs of seeds, 117-125 alone; benchmarks/seed_ensemble.py).
A student distilled from the average (distill.teacher) keeps the gain at one model's cost.
Cost of the ensemble itself: flash, multiply-accumulates and time grow with the
number of members; the arena less (activations are reused between members, each layer's
own data is not): two TENet12 members take 418 kB of flash, 9.1 M MACs, 114 ms per invoke
and an 88 kB arena on the EFR32xG24 MVP estimate, against 207 kB, 4.6 M, 57 ms and 65 kB.

The ensemble is a run of its own (run_dir(NAME)/NAME.tflite, default NAME
FIRST.ensemble-N): calibrate, evaluate, detect and profile take it like any trained model,
and a student can distil from it (distill.teacher = NAME).
Its spec is the first member's (the run records it as a sweep point), its metadata lists
the members.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from kwstiny import paths
from kwstiny.errors import KwstinyError
from kwstiny.progress import console
from kwstiny.spec import SWEEP_POINT_FILE, ModelSpec

MEMBERS_FILE = "ensemble.json"
# What members must share for their scores to be averaged window by window.
_SHARED = ("classes", "input_shape", "frontend")


def member_specs(runs: list[str]) -> list[ModelSpec]:
    """The specs of the member runs, refused unless they can be averaged."""
    from kwstiny.spec import load_run_spec

    if len(runs) < 2:
        raise KwstinyError("an ensemble needs at least two trained runs")
    if len(set(runs)) != len(runs):
        raise KwstinyError(f"a run is named twice: {', '.join(runs)}")
    specs = [load_run_spec(run) for run in runs]
    first = specs[0]
    for spec in specs[1:]:
        for field in _SHARED:
            if getattr(spec, field) != getattr(first, field):
                raise KwstinyError(f"{spec.name} and {first.name} differ in {field}: only "
                                   f"runs of one spec (e.g. other seeds) can be averaged")
    for spec in specs:
        if spec.streaming.enabled:
            raise KwstinyError(f"{spec.name} is a streaming model: its state cannot be "
                               "shared between ensemble members")
    return specs


def ensemble_model(specs: list[ModelSpec]):
    """A Keras model: each member's float model (branches merged for export) on the same
    input, their softmax outputs averaged."""
    import tf_keras as keras

    from kwstiny.models.layers import export_model
    from kwstiny.training.runs import load_trained_model

    inputs = keras.Input(shape=specs[0].input_shape, name="features")
    outputs = []
    for index, spec in enumerate(specs):
        member = export_model(load_trained_model(spec))
        member._name = f"member_{index}"        # nested models need distinct names
        outputs.append(member(inputs))
    averaged = keras.layers.Average(name="average")(outputs)
    return keras.Model(inputs, averaged, name="ensemble")


def float_model(name: str):
    """The float Keras model of a finished run (a spec name, a sweep run such as
    SPEC.seed-2, or an ensemble run): an ensemble's averaged members, else the run's best
    epoch. What a distillation teacher is loaded as."""
    from kwstiny.spec import load_run_spec
    from kwstiny.training.runs import load_trained_model

    members = paths.run_dir(name) / MEMBERS_FILE
    if members.is_file():
        return ensemble_model(member_specs(json.loads(members.read_text())["members"]))
    return load_trained_model(load_run_spec(name))


def write_ensemble(runs: list[str], name: str | None = None) -> Path:
    """Quantize the averaged members into run_dir(NAME)/NAME.tflite; returns its path."""
    from kwstiny.data.pipeline import SpecData, representative
    from kwstiny.quantize import convert_int8, tflite_path

    specs = member_specs(runs)
    first = specs[0]
    name = name or f"{first.name}.ensemble-{len(specs)}"
    if name in runs:
        raise KwstinyError(f"--name {name} is one of the members: choose another name")
    spec = dataclasses.replace(first, name=name)
    model = ensemble_model(specs)
    with SpecData(first) as data:
        calibration = representative(data, first.quantize.representative_samples)
    console.print(f"quantizing the average of {len(specs)} runs ({', '.join(runs)}) to int8, "
                  f"{len(calibration)} calibration samples")
    metadata = {**spec.metadata(), "ensemble_of": list(runs)}
    blob = convert_int8(model, calibration, metadata=metadata,
                        int8_features=spec.frontend.int8_features)
    run = paths.run_dir(name)
    paths.write_json(run / SWEEP_POINT_FILE, _spec_record(first))
    paths.write_json(run / MEMBERS_FILE, {"members": list(runs)})
    out = paths.write_bytes(tflite_path(name), blob)
    console.print(f"wrote {out} ({len(blob) / 1000:.1f} kB, {len(specs)} members)")
    return out


def _spec_record(spec: ModelSpec) -> dict:
    """What load_run_spec rebuilds the ensemble's spec from: the first member's record
    (its base spec and overrides), or the member's own spec when it was trained by name."""
    point = paths.run_dir(spec.name) / SWEEP_POINT_FILE
    if point.is_file():
        return json.loads(point.read_text())
    return {"spec": spec.name, "file": spec.path, "overrides": {}}
