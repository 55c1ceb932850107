"""Child process of `kwstiny.profile.memory`: tries arena sizes on one model.

Run as `python -m kwstiny.profile._arena_probe MODEL.tflite N_INPUTS`. Reads one arena size per
line on stdin; for each, builds the TFLM interpreter with that arena, invokes it once on
zero inputs and answers one JSON line: {"size", "ok", "log"} where `log` is what the
runtime wrote to C stderr (its allocation report or its error). A too-small arena can
crash the runtime; the parent then counts that size as failing and starts a new child.
Imports only numpy and the tflite-micro runtime.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile


def probe(model: bytes, size: int, inputs: int) -> dict:
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    with tempfile.TemporaryFile() as log:
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)  # the runtime prints to the C-level stderr
        ok, error = False, ""
        try:
            interpreter = runtime.Interpreter.from_bytes(model, arena_size=size)
            for index in range(inputs):
                details = interpreter.get_input_details(index)
                interpreter.set_input(np.zeros(details["shape"], details["dtype"]), index)
            interpreter.invoke()
            interpreter.print_allocations()
            ok = True
        except Exception as exc:  # the runtime raises RuntimeError/ValueError on failure
            error = f"{type(exc).__name__}: {exc}"
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    return {"size": size, "ok": ok, "log": text + (error and "\n" + error)}


def main(path: str, inputs: int) -> None:
    with open(path, "rb") as handle:
        model = handle.read()
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(probe(model, int(line), inputs)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
