"""Inference never needs TensorFlow: every shipped spec (and its variants) loads in
an interpreter where TensorFlow and tf_keras cannot be imported, since `evaluate --tflite`,
`profile` and friends load the spec to read its frontend, classes and detection settings."""

import json
import os
import subprocess
import sys

from kwstiny.spec import available_specs

# Blocks the imports before kwstiny (or anything else) runs, then loads every spec and
# checks what came back is the spec asked for, its builder still validated and callable.
_CHILD = """
import sys
sys.modules["tensorflow"] = None
sys.modules["tf_keras"] = None
import json
from kwstiny.spec import ModelSpec, available_specs, load_spec
loaded = {}
for name in available_specs():
    base = load_spec(name)
    for which in [name] + [name + "-" + v for v in ("test", *base.variants)]:
        spec = load_spec(which)
        assert isinstance(spec, ModelSpec) and spec.name == which, which
        assert callable(spec.model.builder), which
        assert spec.input_shape and spec.classes, which
        loaded[which] = spec.model.name
print(json.dumps(loaded))
"""


def test_every_spec_loads_without_tensorflow():
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    names = available_specs()
    assert names, "no specs found"
    assert set(loaded) >= set(names + [f"{n}-test" for n in names])


def test_spec_option_typos_are_still_caught_without_tensorflow():
    """ModelChoice checks option names against the builder's signature; that must not
    need Keras either."""
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['tf_keras'] = None\n"
            "from kwstiny.errors import KwstinyError\n"
            "from kwstiny.models import kwt\n"
            "from kwstiny.spec import ModelChoice\n"
            "try:\n"
            "    ModelChoice(kwt.KWT1, {'atention': 'time'})\n"
            "except KwstinyError as error:\n"
            "    print(error)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "'atention'" in done.stdout and "did you mean 'attention'" in done.stdout
