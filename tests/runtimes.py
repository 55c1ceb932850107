"""Run an int8 .tflite on the TFLM runtime and on LiteRT's reference kernels, side by side."""

from __future__ import annotations

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from tflite_micro.python.tflite_micro import runtime as tflm


def quantize_inputs(data: bytes, floats: np.ndarray) -> np.ndarray:
    """Float rows -> the model's int8 input (its own scale and zero point)."""
    detail = Interpreter(model_content=data).get_input_details()[0]
    scale, zero = detail["quantization"]
    q = np.round(np.asarray(floats, np.float32) / scale + zero)
    return np.clip(q, -128, 127).astype(np.int8)


def run_reference(data: bytes, rows: np.ndarray) -> np.ndarray:
    interpreter = Interpreter(model_content=data,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]["index"]
    out = interpreter.get_output_details()[0]["index"]
    results = []
    for row in rows:
        interpreter.set_tensor(inp, row[None])
        interpreter.invoke()
        results.append(interpreter.get_tensor(out)[0].copy())
    return np.stack(results)


def run_tflm(data: bytes, rows: np.ndarray, arena_size: int | None = None) -> np.ndarray:
    interpreter = tflm.Interpreter.from_bytes(data, arena_size=arena_size)
    results = []
    for row in rows:
        interpreter.set_input(row[None], 0)
        interpreter.invoke()
        results.append(interpreter.get_output(0)[0].copy())
    return np.stack(results)


def max_lsb_difference(data: bytes, floats: np.ndarray) -> int:
    """Largest |TFLM - reference| over all outputs, in int8 steps."""
    rows = quantize_inputs(data, floats)
    a = run_tflm(data, rows).astype(np.int32)
    b = run_reference(data, rows).astype(np.int32)
    return int(np.abs(a - b).max())


def op_names(data: bytes) -> list[str]:
    from kwstiny.tflite import load_model
    from ai_edge_litert import schema_py_generated as schema
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    model = load_model(data)
    codes = model.operatorCodes
    out = []
    for op in model.subgraphs[0].operators:
        code = codes[op.opcodeIndex]
        out.append(names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "?"))
    return out
