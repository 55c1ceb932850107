"""DS-CNN on Google Speech Commands v2, 12 labels ("Hello Edge", Zhang et al. 2017).

49 x 40 mel features (40 ms windows every 20 ms; the paper used 10 MFCCs, which the
kwstiny frontend does not compute). DS-CNN S (64 channels, 38.6 KB in the paper's
memory count) by default; variants `medium` and `large`. Training after the paper's
commands: batch 100, three equal learning-rate steps 5e-4, 1e-4, 2e-5.
"""

from kwstiny.data.speech_commands import dataset_spec, frontend_settings
from kwstiny.models import ds_cnn
from kwstiny.spec import ModelChoice, ModelSpec, QuantizeSpec, TrainSpec

spec = ModelSpec(
    name="ds_cnn_speech_commands",
    version=1,
    description="DS-CNN S on Speech Commands v2 (12 labels)",
    frontend=frontend_settings(window_size_ms=40, window_step_ms=20),
    dataset=dataset_spec(version=2, task=12),
    model=ModelChoice(ds_cnn.DSCNNSmall),
    train=TrainSpec(epochs=30, batch_size=100,
                    learning_rate_steps=((1, 5e-4), (1, 1e-4), (1, 2e-5))),
    quantize=QuantizeSpec(representative_samples=500),
    variants={
        "medium": {"model.builder": ds_cnn.DSCNNMedium},
        "large": {"model.builder": ds_cnn.DSCNNLarge},
    },
)
