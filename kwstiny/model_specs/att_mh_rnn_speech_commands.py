"""Convolutional-recurrent teacher with multi-head attention on Speech Commands v2,
12 labels: the teacher the KWT study distils from (in the spirit of Att-MH-RNN).

Same features and classes as kwt_speech_commands, so it can teach it. It trains and
runs in float only (recurrent layers are not on the int8 path): `kwstiny train` skips
the .tflite and evaluates the float model.
"""

from kwstiny.data.speech_commands import dataset_spec, frontend_settings
from kwstiny.models import teacher
from kwstiny.spec import AugmentSpec, ModelChoice, ModelSpec, TrainSpec

spec = ModelSpec(
    name="att_mh_rnn_speech_commands",
    version=1,
    description="Att-MH-RNN-style teacher on Speech Commands v2 (12 labels)",
    frontend=frontend_settings(),
    dataset=dataset_spec(version=2, task=12),
    augment=AugmentSpec(spec_time_masks=2, spec_time_mask_frames=25,
                        spec_freq_masks=2, spec_freq_mask_channels=7),
    model=ModelChoice(teacher.AttMHRNN, {"rnn": "gru", "rnn_units": (128, 128), "heads": 4}),
    train=TrainSpec(epochs=60, batch_size=100,
                    learning_rate_steps=((1, 0.001), (1, 0.0005), (1, 0.0001))),
)
