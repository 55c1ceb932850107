"""Quantization-aware fine-tuning with tensorflow-model-optimization (Keras 2 only)."""

from __future__ import annotations

from kwstiny.errors import KwstinyError
from kwstiny.progress import console


def quantization_aware_model(spec, model, data):
    """The trained model with fake-quantization inserted, fine-tuned for
    `spec.quantize.qat_epochs` epochs on the training pipeline at a low learning rate."""
    import tensorflow_model_optimization as tfmot
    import tf_keras as keras

    from kwstiny.data.pipeline import class_weights, steps_per_epoch, training_dataset
    from kwstiny.models.layers import export_model

    try:
        q_model = tfmot.quantization.keras.quantize_model(export_model(model))
    except (ValueError, RuntimeError) as error:
        raise KwstinyError(f"{spec.model.name} cannot be made quantization-aware: {error}") from error
    q_model.compile(optimizer=keras.optimizers.Adam(spec.quantize.qat_learning_rate),
                    loss="categorical_crossentropy", metrics=["accuracy"])
    console.print(f"quantization-aware training: {spec.quantize.qat_epochs} epochs")
    dataset = training_dataset(data, spec.train.epochs, spec.train.batch_size)
    weights = class_weights(data) if spec.train.class_weights == "balanced" else None
    q_model.fit(dataset, epochs=spec.quantize.qat_epochs,
                steps_per_epoch=steps_per_epoch(data, spec.train.batch_size),
                class_weight=weights, verbose=1 if console.is_terminal else 2)
    return q_model
