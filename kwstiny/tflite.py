"""Reading and editing .tflite flatbuffers without TensorFlow.

kwstiny's settings ride in the model's metadata table under the name `kwstiny` as a
flat UTF-8 JSON object (`fe.*` frontend keys, detection keys, classes, name, version).
"""

from __future__ import annotations

import json
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
    data, where = _read(source)
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
