"""Keyword Transformer on Google Speech Commands v2, 12 labels (Berg et al. 2021).

98 x 40 mel features, time attention (one token per frame), postnorm. KWT-1 by
default: 607 K parameters, the size that fits a Cortex-M33's flash in int8; the
`kwt3` variant is the reference's train.sh model (5.4 M). Training follows the
reference: AdamW with weight decay 0.1 (none on biases, norms, tokens), cosine schedule
with 10 warm-up epochs, label smoothing 0.1, SpecAugment (2 time masks of up to 25
frames, 2 frequency masks of up to 7 channels), 140 epochs of 512.

`distill`: DeiT-style hard distillation from the `att_mh_rnn_speech_commands` teacher
through a distillation token (train the teacher spec first).
"""

from kwstiny.data.speech_commands import dataset_spec, frontend_settings
from kwstiny.models import kwt
from kwstiny.spec import AugmentSpec, ModelChoice, ModelSpec, QuantizeSpec, TrainSpec

spec = ModelSpec(
    name="kwt_speech_commands",
    version=1,
    description="KWT-1 on Speech Commands v2 (12 labels)",
    frontend=frontend_settings(),
    dataset=dataset_spec(version=2, task=12),
    augment=AugmentSpec(spec_time_masks=2, spec_time_mask_frames=25,
                        spec_freq_masks=2, spec_freq_mask_channels=7),
    model=ModelChoice(kwt.KWT1, {"attention": "time", "prenorm": False, "dropout": 0.0}),
    train=TrainSpec(
        epochs=140,
        batch_size=512,
        learning_rate_schedule="cosine",
        learning_rate=0.001,
        warmup_epochs=10,
        weight_decay=0.1,
        label_smoothing=0.1,
    ),
    quantize=QuantizeSpec(representative_samples=500),
    variants={
        "kwt3": {"model.builder": kwt.KWT3},
        "distill": {"model.options.distill_token": True,
                    "distill.teacher": "att_mh_rnn_speech_commands",
                    "distill.mode": "hard"},
    },
)
