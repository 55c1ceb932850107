"""Reading and editing .tflite flatbuffers without TensorFlow.

kwstiny's settings ride in the model's metadata table under the name `kwstiny` as a
flat UTF-8 JSON object (`fe.*` frontend keys, detection keys, classes, name, version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

from kwstiny.errors import KwstinyError

METADATA_NAME = "kwstiny"
_IDENTIFIER = b"TFL3"
# TFLite's schema asks for 16-byte aligned buffer data (kernels read weights in place).
_BUFFER_ALIGNMENT = 16


def load_model(source: str | Path | bytes) -> schema.ModelT:
    """Parse a .tflite (path or bytes) into the schema's object tree; clear errors on junk."""
    return _parse(*_read(source))


def _parse(data: bytes, where: str) -> schema.ModelT:
    if len(data) < 8 or data[4:8] != _IDENTIFIER:
        raise KwstinyError(f"{where} is not a TFLite model (no 'TFL3' identifier)")
    try:
        return schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    except Exception as error:  # flatbuffers raises assorted errors on truncation
        raise KwstinyError(f"{where} is truncated or corrupt: {error}") from error


def _read(source) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "the model data"
    path = Path(source)
    if not path.is_file():
        raise KwstinyError(f"model file not found: {path}")
    return path.read_bytes(), str(path)


def pack_model(model: schema.ModelT) -> bytes:
    """Serialize a model tree, keeping buffer data 16-byte aligned."""
    model.buffers = [_AlignedBuffer(b) for b in (model.buffers or [])]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=_IDENTIFIER)
    return bytes(builder.Output())


class _AlignedBuffer(schema.BufferT):
    def __init__(self, buffer: schema.BufferT):
        super().__init__()
        self.__dict__.update(buffer.__dict__)

    def Pack(self, builder):
        data = None
        if self.data is not None and len(self.data):
            raw = np.asarray(self.data, dtype=np.uint8).tobytes()
            builder.StartVector(1, len(raw), _BUFFER_ALIGNMENT)
            builder.head -= len(raw)
            builder.Bytes[builder.head:builder.head + len(raw)] = raw
            data = builder.EndVector()
        schema.BufferStart(builder)
        if data is not None:
            schema.BufferAddData(builder, data)
        if self.offset:
            schema.BufferAddOffset(builder, self.offset)
            schema.BufferAddSize(builder, self.size)
        return schema.BufferEnd(builder)


def read_metadata(source: str | Path | bytes) -> dict:
    """The kwstiny metadata of a model; {} if it has none."""
    model = load_model(source)
    for entry in model.metadata or []:
        if _name(entry.name) == METADATA_NAME:
            raw = model.buffers[entry.buffer].data
            return json.loads(np.asarray(raw, dtype=np.uint8).tobytes().decode("utf-8"))
    return {}


def write_metadata(tflite: bytes, metadata: dict) -> bytes:
    """Return the model with its kwstiny metadata set to `metadata` (replacing any)."""
    model = load_model(tflite)
    payload = np.frombuffer(json.dumps(metadata, sort_keys=True).encode("utf-8"), np.uint8)
    for entry in model.metadata or []:
        if _name(entry.name) == METADATA_NAME:
            model.buffers[entry.buffer].data = payload
            return pack_model(model)
    buffer = schema.BufferT()
    buffer.data = payload
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = METADATA_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata = (model.metadata or []) + [entry]
    return pack_model(model)


def _name(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# ---------------------------------------------------------------------------------------
# A read-only view of the main graph: what summarize / profile / the memory probe need.

@dataclass(frozen=True)
class Tensor:
    """One tensor of the graph. `constant` tensors carry their data in the file."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy-style name: int8, int32, float32 ...
    constant: bool
    nbytes: int  # bytes of its data (in the file when constant, in RAM otherwise)
    scale: tuple[float, ...] = ()
    zero_point: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def quantized(self) -> bool:
        return bool(self.scale)

    def shape_text(self) -> str:
        return "x".join(str(d) for d in self.shape) if self.shape else "scalar"


@dataclass(frozen=True)
class Operator:
    """One operator (layer). `opcode` is the builtin's lower-case name (`conv_2d`), or
    `custom` with `custom_code` naming it. `inputs` keeps None where an optional input
    is omitted (a conv without bias). `options` holds the builtin options with enums
    as lower-case names (`padding: "same"`, `fused_activation_function: "relu"`)."""

    index: int
    opcode: str
    inputs: tuple[Tensor | None, ...]
    outputs: tuple[Tensor, ...]
    options: dict = field(default_factory=dict)
    custom_code: str | None = None
    version: int = 1

    @property
    def label(self) -> str:
        return f"custom:{self.custom_code}" if self.opcode == "custom" else self.opcode

    def input(self, position: int) -> Tensor | None:
        return self.inputs[position] if position < len(self.inputs) else None


@dataclass(frozen=True)
class Graph:
    """The main subgraph of a .tflite, with the file-level facts a report needs."""

    operators: tuple[Operator, ...]
    tensors: tuple[Tensor, ...]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    file_size: int
    subgraph_count: int
    description: str = ""

    @property
    def parameter_count(self) -> int:
        """Elements of constant tensors that operators read (weights, biases, shapes)."""
        used = {t.index for op in self.operators for t in op.inputs if t is not None}
        return sum(t.size for t in self.tensors if t.constant and t.index in used)

    @property
    def is_int8(self) -> bool:
        """True when every input and output of the model is int8 (the device path)."""
        return all(t.dtype == "int8" for t in self.inputs + self.outputs)


_OPCODE_NAMES = {v: k.lower() for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_TYPE_NAMES = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_TYPE_BITS = {"float64": 64, "int64": 64, "uint64": 64, "complex64": 64, "complex128": 128,
              "float32": 32, "int32": 32, "uint32": 32, "float16": 16, "bfloat16": 16,
              "int16": 16, "uint16": 16, "int8": 8, "uint8": 8, "bool": 8, "int4": 4,
              "uint4": 4, "int2": 2, "float8_e4m3fn": 8, "float8_e5m2": 8}
_ENUMS = {
    "padding": {v: k.lower() for k, v in vars(schema.Padding).items() if not k.startswith("_")},
    "fusedActivationFunction": {v: k.lower() for k, v in vars(schema.ActivationFunctionType).items()
                                if not k.startswith("_")},
}


def read_graph(source: str | Path | bytes) -> Graph:
    """The main subgraph of a .tflite as plain dataclasses; KwstinyError on junk."""
    data, where = _read(source)
    model = _parse(data, where)
    if not model.subgraphs:
        raise KwstinyError(f"{where} has no subgraph to run")
    try:
        return _graph(model, len(data))
    except (IndexError, TypeError, AttributeError) as error:
        raise KwstinyError(f"{where} is corrupt: {error}") from error


def _graph(model: schema.ModelT, file_size: int) -> Graph:
    graph = model.subgraphs[0]
    tensors = tuple(_tensor(i, t, model.buffers) for i, t in enumerate(graph.tensors or []))
    operators = []
    for index, op in enumerate(graph.operators or []):
        code = model.operatorCodes[op.opcodeIndex]
        # Codes above 127 live in builtinCode; older files keep small ones in the deprecated field.
        number = max(code.builtinCode, code.deprecatedBuiltinCode)
        opcode = _OPCODE_NAMES.get(number, f"builtin_{number}")
        operators.append(Operator(
            index=index,
            opcode=opcode,
            inputs=tuple(tensors[i] if i >= 0 else None for i in _ints(op.inputs)),
            outputs=tuple(tensors[i] for i in _ints(op.outputs)),
            options=_options(op.builtinOptions),
            custom_code=_name(code.customCode) if code.customCode is not None else None,
            version=int(code.version or 1),
        ))
    return Graph(
        operators=tuple(operators),
        tensors=tensors,
        inputs=tuple(tensors[i] for i in _ints(graph.inputs)),
        outputs=tuple(tensors[i] for i in _ints(graph.outputs)),
        file_size=file_size,
        subgraph_count=len(model.subgraphs),
        description=_name(model.description) if model.description is not None else "",
    )


def _tensor(index: int, tensor: schema.TensorT, buffers) -> Tensor:
    shape = tuple(int(d) for d in _ints(tensor.shape))
    dtype = _TYPE_NAMES.get(tensor.type, f"type_{tensor.type}")
    data = buffers[tensor.buffer].data if buffers and tensor.buffer < len(buffers) else None
    constant = data is not None and len(data) > 0
    count = int(np.prod(shape)) if shape else 1
    nbytes = len(data) if constant else (count * _TYPE_BITS.get(dtype, 8) + 7) // 8
    quant = tensor.quantization
    scale = tuple(float(s) for s in _ints(quant.scale, float)) if quant is not None else ()
    zero = tuple(int(z) for z in _ints(quant.zeroPoint)) if quant is not None else ()
    return Tensor(index=index, name=_name(tensor.name or b""), shape=shape, dtype=dtype,
                  constant=constant, nbytes=nbytes, scale=scale, zero_point=zero)


def _ints(values, kind=int) -> list:
    return [] if values is None else [kind(v) for v in values]


def _options(options) -> dict:
    """Builtin options object -> {snake_case: value}, enums as names, arrays as lists."""
    if options is None:
        return {}
    result = {}
    for key, value in vars(options).items():
        if key in _ENUMS:
            value = _ENUMS[key].get(value, value)
        elif isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, bytes):
            value = _name(value)
        elif isinstance(value, (np.integer, np.floating, np.bool_)):
            value = value.item()
        elif value is not None and not isinstance(value, (int, float, bool, str, list)):
            continue  # nested tables (rare, e.g. stablehlo) are not reported
        result[_snake(key)] = value
    return result


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
