"""`kwstiny dataset embed`: one vector per clip from a trained kwstiny model.

The vector is the penultimate layer: the input of the model's last Dense layer (for
TENet, the pooled and flattened features before the classifier). Clips go through the
same clean (unaugmented) path as validation and test features, so an embedding is what
the model sees of that clip. One `.npz` per split (train, validation, test) keeps the
selection pool and the evaluation sets apart, as DataPerf's samples.pb and eval.pb are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.progress import console

from kwstiny.data.selection.embeddings import Embeddings, write_npz


def penultimate_model(model):
    """A model with the same input whose output is the input of the last Dense layer."""
    import tf_keras as keras

    from kwstiny.models.layers import penultimate_features

    return keras.Model(model.inputs, penultimate_features(model, "embedding"),
                       name=f"{model.name}_embedding")


def embed_dataset(source: str, model_spec, out_dir: str | Path | None = None,
                  scale: str | None = None, batch_size: int = 256) -> dict[str, Path]:
    """Embed every clip of `source` (a dataset recipe name or a folder of class folders)
    with the trained model of `model_spec` (a spec name or a ModelSpec); write
    <out_dir>/<split>.npz."""
    from kwstiny.data.pipeline import SPLITS, SpecData
    from kwstiny.spec import ModelSpec, load_spec
    from kwstiny.training.runs import load_trained_model

    spec = model_spec if isinstance(model_spec, ModelSpec) else load_spec(model_spec)
    embedder = penultimate_model(load_trained_model(spec))
    # The model's frontend and classes; the dataset asked for, whole (no subset list).
    overrides = {"dataset.source": str(source), "dataset.subset_file": ""}
    if scale:
        overrides["dataset.scale"] = scale
    name = Path(str(source)).name or str(source)
    out_dir = Path(out_dir) if out_dir else paths.run_dir(spec.name) / "embeddings" / name
    written = {}
    with SpecData(spec.with_overrides(overrides)) as data:
        for split in SPLITS:
            recipes = data.plan_split(split)
            if not recipes:
                continue
            x, y = data.features(split)
            vectors = embedder.predict(x.astype(np.float32), batch_size=batch_size, verbose=0)
            embeddings = Embeddings.build([data.clips[r.clip].sample_id for r in recipes], y,
                                          vectors, spec.classes,
                                          source=f"{name}/{split} by {spec.name}")
            written[split] = write_npz(out_dir / f"{split}.npz", embeddings)
            console.print(f"{split}: {len(embeddings)} clips -> {embeddings.dim}-dim vectors, "
                          f"{written[split]}")
    return written
