"""The audio frontend: settings, and the C implementation's Python API.

One C source (kwstiny/frontend/c) computes the spectrogram for training, laptop
streaming and the firmware; TensorFlow's audio_microfrontend op is only its test
oracle.
"""

from kwstiny.frontend.frontend import (Frontend, clip_features, compute_frames, model_input,
                                       quantize_static, state_bytes, static_scale_from_frames,
                                       to_int16)
from kwstiny.frontend.settings import FrontendSettings

__all__ = ["Frontend", "FrontendSettings", "clip_features", "compute_frames", "model_input",
           "quantize_static", "state_bytes", "static_scale_from_frames", "to_int16"]
