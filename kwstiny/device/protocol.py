"""The kwstiny serial protocol on the laptop side: frames, message numbers, payloads.

Mirrors kwstiny/firmware/protocol/ (messages.h, frame.cc); kwstiny/firmware/PROTOCOL.md is the
reference. A frame is

    A5 5A | type | seq | length (u16 LE) | crc8(type..length) | payload | crc32 (u32 LE)

with the CRC-32 (zlib's) over everything after the sync marker up to the end of
the payload (header CRC-8 included).
"""

from __future__ import annotations

import enum
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

PROTOCOL_VERSION = 1
SYNC = b"\xa5\x5a"
HEADER_SIZE = 7
TRAILER_SIZE = 4
OVERHEAD = HEADER_SIZE + TRAILER_SIZE
RESPONSE_BIT = 0x80


class Msg(enum.IntEnum):
    INFO = 0x01
    RESET = 0x02
    CONFIG = 0x03
    LOAD_BEGIN = 0x10
    LOAD_CHUNK = 0x11
    LOAD_END = 0x12
    MODEL_INFO = 0x13
    INPUT_WRITE = 0x20
    INVOKE = 0x21
    OUTPUT_READ = 0x22
    PROFILE = 0x23
    PROFILE_READ = 0x24
    STREAM_BEGIN = 0x30
    STREAM_AUDIO = 0x31
    STREAM_END = 0x32
    BOOT = 0xFC
    NAK = 0xFD
    ACK = 0xFE
    ERROR = 0xFF


class Err(enum.IntEnum):
    OK = 0
    UNKNOWN_COMMAND = 1
    BAD_REQUEST = 2
    NO_RUNTIME = 3
    NO_MODEL = 4
    MODEL_TOO_LARGE = 5
    MODEL_INVALID = 6
    UNSUPPORTED_OP = 7
    ARENA_TOO_SMALL = 8
    LOAD_NOT_STARTED = 9
    LOAD_OFFSET = 10
    LOAD_CRC = 11
    INVOKE_FAILED = 12
    STREAM_NOT_STARTED = 13
    CONFIG_INVALID = 14
    TOO_LARGE = 15
    NO_FRONTEND = 16


class Rec(enum.IntEnum):
    FRAME = 1
    SCORES = 2
    DETECTION = 3


STREAM_FRAMES = 0x01
STREAM_SCORES = 0x02
STREAM_DETECTIONS = 0x04
STREAM_BOARD_MIC = 0x08


def crc8(data: bytes) -> int:
    """CRC-8/SMBUS (polynomial 0x07, initial 0): the header check."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc32(data: bytes, previous: int = 0) -> int:
    return zlib.crc32(data, previous) & 0xFFFFFFFF


def encode_frame(msg_type: int, seq: int, payload: bytes = b"") -> bytes:
    if len(payload) > 0xFFFF:
        raise ValueError(f"payload of {len(payload)} bytes does not fit a frame")
    head = struct.pack("<BBH", msg_type, seq & 0xFF, len(payload))
    body = head + bytes([crc8(head)]) + payload
    return SYNC + body + struct.pack("<I", crc32(body))


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes


@dataclass(frozen=True)
class BadFrame:
    """A frame whose CRC-32 failed; `seq` is what its (unreliable) header said."""
    seq: int


class FrameParser:
    """Finds frames in a byte stream that may lose, gain or flip bytes.

    After a bad header or CRC it rescans from the byte after the failed sync
    marker, so a good frame that follows (or hides inside) a damaged one is found.
    """

    def __init__(self, max_payload: int = 0xFFFF):
        self.max_payload = max_payload
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def partial(self) -> bool:
        return bool(self._buf)

    def poll(self) -> Frame | BadFrame | None:
        buf = self._buf
        while buf:
            start = buf.find(SYNC[0])
            if start < 0:
                buf.clear()
                return None
            del buf[:start]
            if len(buf) < 2:
                return None
            if buf[1] != SYNC[1]:
                del buf[:1]
                continue
            if len(buf) < HEADER_SIZE:
                return None
            msg_type, seq, length = struct.unpack_from("<BBH", buf, 2)
            if crc8(bytes(buf[2:6])) != buf[6] or length > self.max_payload:
                del buf[:1]
                continue
            total = HEADER_SIZE + length + TRAILER_SIZE
            if len(buf) < total:
                return None
            payload = bytes(buf[HEADER_SIZE:HEADER_SIZE + length])
            (sent,) = struct.unpack_from("<I", buf, HEADER_SIZE + length)
            if crc32(bytes(buf[2:HEADER_SIZE]) + payload) != sent:
                del buf[:1]
                return BadFrame(seq)
            del buf[:total]
            return Frame(msg_type, seq, payload)
        return None


# --- Payloads ----------------------------------------------------------------------

# TfLiteType numbers (tensorflow/lite/core/c/c_api_types.h) -> numpy dtypes.
TFLITE_DTYPES = {1: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}


@dataclass(frozen=True)
class TensorInfo:
    type: int
    shape: tuple[int, ...]
    scale: float
    zero_point: int
    bytes: int

    @property
    def dtype(self):
        return TFLITE_DTYPES.get(self.type)


@dataclass(frozen=True)
class ModelInfo:
    source: str  # "linked" (in the image) or "loaded" (over serial)
    size: int
    crc: int
    arena_used: int
    n_operators: int
    input: TensorInfo
    output: TensorInfo


def _read_tensor(data: bytes, pos: int) -> tuple[TensorInfo, int]:
    msg_type, rank = struct.unpack_from("<BB", data, pos)
    pos += 2
    shape = struct.unpack_from(f"<{rank}i", data, pos)
    pos += 4 * rank
    scale, zero_point, size = struct.unpack_from("<fiI", data, pos)
    return TensorInfo(msg_type, tuple(shape), scale, zero_point, size), pos + 12


def parse_model_info(data: bytes) -> ModelInfo:
    source, size, crc, arena, n_ops = struct.unpack_from("<BIIII", data, 0)
    inp, pos = _read_tensor(data, 17)
    out, _ = _read_tensor(data, pos)
    return ModelInfo({1: "linked", 2: "loaded"}.get(source, "none"), size, crc, arena, n_ops, inp, out)


_NUMERIC_INFO = {"protocol", "clock_hz", "max_payload", "ram_total", "ram_free", "flash_total",
                 "flash_free", "model_slot", "arena", "tflm", "frontend", "detector", "model_bytes"}


def parse_info(data: bytes) -> dict:
    """INFO's `key=value` lines as a dict (numbers as int, `ops` as a list)."""
    info: dict = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        if key in _NUMERIC_INFO:
            info[key] = int(value)
        elif key == "ops":
            info[key] = [op for op in value.split(",") if op]
        elif key:
            info[key] = value
    return info


@dataclass(frozen=True)
class ProfileEvent:
    index: int
    op: str
    ticks: int


def parse_profile_events(data: bytes) -> list[ProfileEvent]:
    (count,) = struct.unpack_from("<H", data, 0)
    pos, events = 2, []
    for _ in range(count):
        index, ticks, name_len = struct.unpack_from("<HQB", data, pos)
        pos += 11
        events.append(ProfileEvent(index, data[pos:pos + name_len].decode("ascii", "replace"), ticks))
        pos += name_len
    return events


@dataclass
class StreamRecords:
    """What one STREAM_AUDIO answer carried."""
    frames: list[tuple[int, np.ndarray]] = field(default_factory=list)     # (index, uint16 row)
    scores: list[tuple[int, int, np.ndarray]] = field(default_factory=list)  # (end sample, ticks, int8)
    detections: list[tuple[int, int, int]] = field(default_factory=list)   # (end sample, class, score)


def parse_stream_records(data: bytes, records: StreamRecords | None = None) -> StreamRecords:
    records = records or StreamRecords()
    pos = 0
    while pos < len(data):
        kind = data[pos]
        pos += 1
        if kind == Rec.FRAME:
            index, channels = struct.unpack_from("<IH", data, pos)
            pos += 6
            row = np.frombuffer(data, dtype="<u2", count=channels, offset=pos).astype(np.uint16)
            pos += 2 * channels
            records.frames.append((index, row))
        elif kind == Rec.SCORES:
            end, ticks, n = struct.unpack_from("<IIB", data, pos)
            pos += 9
            records.scores.append((end, ticks, np.frombuffer(data, np.int8, n, pos).copy()))
            pos += n
        elif kind == Rec.DETECTION:
            end, cls, score = struct.unpack_from("<IBB", data, pos)
            pos += 6
            records.detections.append((end, cls, score))
        else:
            raise ValueError(f"unknown stream record kind {kind}")
    return records
