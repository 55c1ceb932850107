"""TensorFlow, imported once, without its C++ start-up chatter on the terminal.

On a machine without a GPU TensorFlow logs CUDA probing errors and oneDNN notes at
import and at device start; they are noise to a user training on a laptop. They are
captured while TensorFlow starts and shown only if the import fails.
"""

from __future__ import annotations

import os
import sys
import tempfile


def use_legacy_keras() -> None:
    """Keras 2 (tf_keras) for `tf.keras`, as tensorflow-model-optimization (QAT) needs.
    TensorFlow reads the setting when it is first imported, so every kwstiny path into
    TensorFlow calls this first; merely importing kwstiny changes nothing."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    # TensorFlow turns its oneDNN kernels on by itself only on some x86 CPUs (those with
    # AVX-512 and the like); elsewhere (e.g. AMD EPYC with AVX2) the fallback depthwise
    # kernel refuses TENet's (2, 1) strides ("only supports equal length strides"), and
    # training fails. oneDNN's own kernel takes them.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def import_tensorflow():
    """Import TensorFlow (and tf_keras) and start its CPU device; returns the module."""
    use_legacy_keras()
    if "tensorflow" in sys.modules and sys.modules["tensorflow"] is not None:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf
            import tf_keras  # noqa: F401  (Keras 2 for tfmot; see use_legacy_keras)

            tf.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tf
