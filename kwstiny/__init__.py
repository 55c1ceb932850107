"""kwstiny: keyword-spotting models from a spec file to a Cortex-M33 microcontroller."""

import os

# tensorflow-model-optimization (QAT) needs Keras 2; TensorFlow picks its Keras on first import.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
