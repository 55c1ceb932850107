"""BC-ResNet on Google Speech Commands v2, 12 labels (Kim et al. 2021).

98 x 40 mel features as a time x frequency image. BC-ResNet-3 (54 K parameters) by
default; variants `bc1` and `bc8` are the paper's smallest and largest. Training after
the paper: label smoothing 0.1, weight decay 1e-3 (none on biases and norms), 5 warm-up
epochs then cosine decay, 200 epochs of 100, SpecAugment frequency masks; AdamW here
where the paper uses SGD with momentum. `zero_gamma` starts every identity block as
the identity (zero-gamma residual initialisation).
"""

from kwstiny.data.speech_commands import dataset_spec, frontend_settings
from kwstiny.models import bc_resnet
from kwstiny.spec import AugmentSpec, ModelChoice, ModelSpec, QuantizeSpec, TrainSpec

spec = ModelSpec(
    name="bc_resnet_speech_commands",
    version=1,
    description="BC-ResNet-3 on Speech Commands v2 (12 labels)",
    frontend=frontend_settings(),
    dataset=dataset_spec(version=2, task=12),
    augment=AugmentSpec(spec_freq_masks=2, spec_freq_mask_channels=5),
    model=ModelChoice(bc_resnet.BCResNet3, {"dropout": 0.1}),
    train=TrainSpec(
        epochs=200,
        batch_size=100,
        learning_rate_schedule="cosine",
        learning_rate=0.01,
        warmup_epochs=5,
        weight_decay=1e-3,
        label_smoothing=0.1,
    ),
    quantize=QuantizeSpec(representative_samples=500),
    variants={
        "bc1": {"model.builder": bc_resnet.BCResNet1},
        "bc8": {"model.builder": bc_resnet.BCResNet8},
        "zero_gamma": {"train.zero_gamma_residual": True},
    },
)
