"""The trainable-STFT/mel study on data that exists offline: BC-ResNet-1 behind a
trainable STFT and 40 mel bases, on the synthetic alexa data at demo scale.

Settings as in trainable_mel_speech_commands: A both fixed, B mel trained, C STFT
trained, D both trained. The results table of all four:

    kwstiny train trainable_mel_alexa -m model.options.setting=A,B,C,D

Float only (the board's frontend is the fixed C filterbank).
"""

from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models import trainable_frontend
from kwstiny.spec import AugmentSpec, DatasetSpec, ModelChoice, ModelSpec, TrainSpec

spec = ModelSpec(
    name="trainable_mel_alexa",
    version=1,
    description="Trainable STFT/mel + BC-ResNet-1 on the synthetic alexa data (demo scale), float",
    # Only the rate and clip length matter: the model computes its own spectrogram.
    frontend=FrontendSettings(sample_rate_hz=16000, sample_length_ms=1200),
    dataset=DatasetSpec(source="synthetic_alexa", scale="demo",
                        classes=("alexa", "_unknown_"), unknown_class_multiplier=1.5),
    model_input="waveform",
    augment=AugmentSpec(pitch_probability=0.5, pitch_semitones=(-2.0, 8.0)),
    # A few hundred steps in all: batch norms need momentum 0.9 to settle in time.
    model=ModelChoice(trainable_frontend.TrainableMelModel, {
        "backbone": "bc_resnet", "backbone_options": {"scale": 1.0, "bn_momentum": 0.9},
        "setting": "A", "n_mels": 40, "sample_rate": 16000, "n_fft": 480, "hop_length": 160}),
    train=TrainSpec(epochs=12, batch_size=100, learning_rate_schedule="cosine",
                    learning_rate=0.01, warmup_epochs=1, weight_decay=1e-3,
                    class_weights="balanced"),
)
