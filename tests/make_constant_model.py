"""Writes tests/data/alexa_constant_int8.tflite, the model the wheel test runs without
TensorFlow (scripts/test_wheel.sh): the alexa spec's int8 TENet12 with random weights
(seed 1) and its classifier set so every window scores alexa 230 / _unknown_ 26, so its
detections can be worked out by hand. It carries the spec's metadata.

    PYTHONPATH=.:tests .venv/bin/python tests/make_constant_model.py
"""

from pathlib import Path

from kwstiny.tensorflow_quiet import use_legacy_keras

OUT = Path(__file__).resolve().parent / "data" / "alexa_constant_int8.tflite"


def main():
    use_legacy_keras()
    from kwstiny.models.random_int8 import random_tenet12_int8
    from kwstiny.spec import load_spec
    from stream_models import constant_model

    data = random_tenet12_int8(load_spec("keyword_spotting_alexa"), seed=1)
    OUT.write_bytes(constant_model(data, [0.9, 0.1]))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
