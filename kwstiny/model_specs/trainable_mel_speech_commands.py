"""Trainable STFT and mel bases in front of BC-ResNet-1, Speech Commands v2, 12 labels
(the trainable-STFT/mel study).

The model takes the waveform (model_input="waveform") and computes its own spectrogram:
a 480-point STFT every 160 samples and 40 mel bases, each fixed or trained:
setting A both fixed, B mel trained, C STFT trained, D both trained. Run all four with

    kwstiny train trainable_mel_speech_commands -m model.options.setting=A,B,C,D

and the number of mel bases with -m model.options.n_mels=10,20,30,40. Other options:
random_mel=True (random initial bases), maskout_bins=(start, end) (zero STFT bins).

Float only: this model is not for the int8 microcontroller path (the board's frontend
is the fixed C filterbank). `kwstiny train` evaluates the float model and skips the
.tflite; kwstiny.models.trainable_frontend plots and exports the learned basis.
"""

from kwstiny.data.speech_commands import dataset_spec, frontend_settings
from kwstiny.models import trainable_frontend
from kwstiny.spec import AugmentSpec, ModelChoice, ModelSpec, TrainSpec

spec = ModelSpec(
    name="trainable_mel_speech_commands",
    version=1,
    description="Trainable STFT/mel + BC-ResNet-1 on Speech Commands v2 (12 labels), float",
    frontend=frontend_settings(),   # sample rate and clip length; the model does the rest
    dataset=dataset_spec(version=2, task=12),
    model_input="waveform",
    augment=AugmentSpec(),
    model=ModelChoice(trainable_frontend.TrainableMelModel, {
        "backbone": "bc_resnet", "backbone_options": {"scale": 1.0},
        "setting": "A", "n_mels": 40, "sample_rate": 16000, "n_fft": 480, "hop_length": 160}),
    train=TrainSpec(epochs=100, batch_size=100, learning_rate_schedule="cosine",
                    learning_rate=0.01, warmup_epochs=5, weight_decay=1e-3),
)
