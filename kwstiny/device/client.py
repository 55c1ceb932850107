"""Talks to a kwstiny firmware over a serial line (pyserial: /dev/tty..., COM..., socket://).

Every request is acknowledged (ACK) and answered with the same sequence number.
The client retransmits a request when no ACK comes, when the board reports a
damaged frame (NAK), or when the answer arrives damaged; the board answers a
retransmission from its cache without doing the work twice. A board that stops
answering ends in a KwstinyError naming the port, never a hang.
"""

from __future__ import annotations

import random
import struct
import time

import numpy as np

from kwstiny.device import protocol as p
from kwstiny.errors import KwstinyError

DEFAULT_TIMEOUT_S = 5.0
# Invoking a model under emulation (or on a slow core with reference kernels) takes a while.
INVOKE_TIMEOUT_S = 120.0


class DeviceError(KwstinyError):
    """The board answered a request with an error."""

    def __init__(self, code: int, message: str, request: str):
        self.code = code
        self.request = request
        name = p.Err(code).name if code in p.Err._value2member_map_ else str(code)
        super().__init__(f"the board refused {request}: {message} ({name})")


class DeviceClient:
    """One connection to a board. Use as a context manager or call close()."""

    def __init__(self, port: str, *, baudrate: int = 115200, timeout: float = DEFAULT_TIMEOUT_S,
                 retries: int = 4, ack_timeout: float = 0.5):
        from kwstiny.extras import load
        serial = load("serial", "device", "talking to a board")  # pyserial

        self.port = port
        self.baudrate = baudrate
        self.timeout = timeout
        self.retries = retries
        self.ack_timeout = ack_timeout
        self.retransmissions = 0
        self.boots_seen = 0
        self._seq = random.randrange(256)
        self._parser = p.FrameParser()
        self._max_payload = 256  # until INFO says more
        try:
            self._serial = serial.serial_for_url(port, baudrate=baudrate, timeout=0.05)
        except (serial.SerialException, ValueError, OSError) as error:
            raise KwstinyError(f"cannot open the board's serial port {port}: {error}") from error
        self._info = None

    # --- connection ------------------------------------------------------------------
    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            finally:
                self._serial = None

    def __enter__(self) -> "DeviceClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def max_payload(self) -> int:
        return self._max_payload

    def _write(self, data: bytes) -> None:
        import serial
        try:
            self._serial.write(data)
            self._serial.flush()
        except (serial.SerialException, OSError) as error:
            raise KwstinyError(f"lost the connection to the board on {self.port}: {error}") from error

    def _read_event(self, deadline: float):
        import serial
        while True:
            event = self._parser.poll()
            if event is not None:
                return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                # Block briefly for one byte, then take whatever else has arrived.
                self._serial.timeout = min(0.05, remaining)
                data = self._serial.read(1)
                if data:
                    self._serial.timeout = 0
                    data += self._serial.read(65536)
            except (serial.SerialException, OSError) as error:
                raise KwstinyError(f"lost the connection to the board on {self.port}: {error}") from error
            if data:
                self._parser.feed(data)

    # --- requests --------------------------------------------------------------------
    def request(self, msg: p.Msg, payload: bytes = b"", *, timeout: float | None = None) -> bytes:
        """Send one request and return its answer's payload (DeviceError if refused)."""
        timeout = self.timeout if timeout is None else timeout
        name = msg.name if isinstance(msg, p.Msg) else f"message 0x{msg:02x}"
        self._seq = (self._seq + 1) & 0xFF
        seq = self._seq
        frame = p.encode_frame(msg, seq, payload)
        # Time for the line to carry the frame (socket:// lines are faster, never slower).
        wire_s = len(frame) * 10 / self.baudrate
        for attempt in range(self.retries + 1):
            if attempt:
                self.retransmissions += 1
            self._write(frame)
            deadline = time.monotonic() + self.ack_timeout + 2 * wire_s
            acked = False
            while True:
                event = self._read_event(deadline)
                if event is None:
                    break  # nothing (more) heard: send again; the board repeats a cached answer
                if isinstance(event, p.BadFrame):
                    break  # the answer (or our frame) was damaged
                if event.type == p.Msg.BOOT:
                    self.boots_seen += 1
                    break  # the board restarted and may have lost our request
                if event.seq != seq:
                    continue  # a late answer to an earlier request
                if event.type == p.Msg.NAK:
                    break
                if event.type == p.Msg.ACK:
                    if not acked:
                        acked = True
                        deadline = time.monotonic() + timeout
                    continue
                if event.type == p.Msg.ERROR:
                    (code,) = struct.unpack_from("<H", event.payload, 0)
                    text = event.payload[2:].decode("utf-8", "replace")
                    raise DeviceError(code, text, name)
                if event.type == (msg | p.RESPONSE_BIT):
                    return event.payload
        raise KwstinyError(f"the board on {self.port} stopped answering: no reply to {name} "
                           f"after {self.retries + 1} tries")

    # --- commands --------------------------------------------------------------------
    def info(self) -> dict:
        info = p.parse_info(self.request(p.Msg.INFO))
        self._info = info
        self._max_payload = info.get("max_payload", self._max_payload)
        self._parser.max_payload = max(self._max_payload, 256)
        return info

    def _ensure_info(self) -> dict:
        return self._info if self._info is not None else self.info()

    def reset(self, wait_s: float = 3.0) -> None:
        """Restart the board (the model loaded over serial is gone afterwards) and wait
        for its BOOT frame, so it does not arrive in the middle of the next request."""
        self.request(p.Msg.RESET)
        self._info = None
        deadline = time.monotonic() + wait_s
        while (event := self._read_event(deadline)) is not None:
            if isinstance(event, p.Frame) and event.type == p.Msg.BOOT:
                self.boots_seen += 1
                return

    def config(self, settings: dict) -> None:
        """Override settings (metadata keys) until the next model load."""
        import json
        self.request(p.Msg.CONFIG, json.dumps(settings).encode("utf-8"))

    def model_info(self) -> p.ModelInfo:
        return p.parse_model_info(self.request(p.Msg.MODEL_INFO))

    def load_model(self, model: bytes, progress=None, restarts: int = 2) -> p.ModelInfo:
        """Send a .tflite into the board's model slot and build its interpreter.

        If the board resets during the transfer, the transfer starts again (up to
        `restarts` times). A model larger than the slot is refused before anything
        is written, and the board keeps the model it had.
        """
        self._ensure_info()
        chunk = self._max_payload - 4
        crc = p.crc32(model)
        for attempt in range(restarts + 1):
            try:
                self.request(p.Msg.LOAD_BEGIN, struct.pack("<II", len(model), crc))
                for offset in range(0, len(model), chunk):
                    self.request(p.Msg.LOAD_CHUNK,
                                 struct.pack("<I", offset) + model[offset:offset + chunk])
                    if progress:
                        progress(min(offset + chunk, len(model)), len(model))
                return p.parse_model_info(self.request(p.Msg.LOAD_END, timeout=60.0))
            except DeviceError as error:
                if error.code != p.Err.LOAD_NOT_STARTED or attempt == restarts:
                    raise
                # The board reset mid-transfer: start again from the first byte.
        raise AssertionError("unreachable")

    def invoke(self, tensor: np.ndarray | bytes, model: p.ModelInfo | None = None,
               timeout: float = INVOKE_TIMEOUT_S) -> tuple[np.ndarray, int]:
        """Run the model on one input tensor; returns (output tensor, counter ticks)."""
        model = model or self.model_info()
        data = self._input_bytes(tensor, model.input)
        chunk = self._max_payload - 4
        for offset in range(0, len(data), chunk):
            self.request(p.Msg.INPUT_WRITE, struct.pack("<I", offset) + data[offset:offset + chunk])
        answer = self.request(p.Msg.INVOKE, timeout=timeout)
        ticks, size = struct.unpack_from("<QI", answer, 0)
        out = answer[12:]
        while len(out) < size:
            n = min(size - len(out), self._max_payload)
            out += self.request(p.Msg.OUTPUT_READ, struct.pack("<IH", len(out), n))
        dtype = model.output.dtype or np.uint8
        return np.frombuffer(out, dtype=dtype).reshape(model.output.shape), ticks

    def profile(self, tensor: np.ndarray | bytes | None = None, model: p.ModelInfo | None = None,
                timeout: float = INVOKE_TIMEOUT_S) -> tuple[int, list[p.ProfileEvent]]:
        """Invoke once with the per-operator profiler; (total ticks, one event per op)."""
        model = model or self.model_info()
        if tensor is not None:
            data = self._input_bytes(tensor, model.input)
            chunk = self._max_payload - 4
            for offset in range(0, len(data), chunk):
                self.request(p.Msg.INPUT_WRITE, struct.pack("<I", offset) + data[offset:offset + chunk])
        total, count = struct.unpack("<QH", self.request(p.Msg.PROFILE, timeout=timeout))
        events: list[p.ProfileEvent] = []
        while len(events) < count:
            batch = p.parse_profile_events(self.request(p.Msg.PROFILE_READ,
                                                        struct.pack("<H", len(events))))
            if not batch:
                raise KwstinyError("the board's profile records do not fit in a frame")
            events += batch
        return total, events

    @staticmethod
    def _input_bytes(tensor, info: p.TensorInfo) -> bytes:
        if isinstance(tensor, (bytes, bytearray)):
            data = bytes(tensor)
        else:
            array = np.asarray(tensor)
            if info.dtype is not None and array.dtype != info.dtype:
                raise KwstinyError(f"the model's input is {np.dtype(info.dtype).name}, "
                                   f"got {array.dtype.name}")
            data = array.tobytes()
        if len(data) != info.bytes:
            raise KwstinyError(f"the model's input {info.shape} takes {info.bytes} bytes, "
                               f"got {len(data)}")
        return data

    # --- streaming -----------------------------------------------------------------
    def stream_begin(self, frames: bool = False, scores: bool = False,
                     detections: bool = False, board_mic: bool = False) -> dict:
        """Start streaming with the board's current settings (model metadata + CONFIG).

        With `board_mic` the audio comes from the board's own microphone (collect the
        records with stream_poll()). Returns the stream's shape: channels,
        step_samples, window_frames, n_outputs, frontend_state_bytes.
        """
        self._ensure_info()
        flags = ((p.STREAM_FRAMES if frames else 0) | (p.STREAM_SCORES if scores else 0)
                 | (p.STREAM_DETECTIONS if detections else 0)
                 | (p.STREAM_BOARD_MIC if board_mic else 0))
        channels, step, window, n_out, state = struct.unpack(
            "<HHHBI", self.request(p.Msg.STREAM_BEGIN, bytes([flags])))
        return {"channels": channels, "step_samples": step, "window_frames": window,
                "n_outputs": n_out, "frontend_state_bytes": state}

    def stream_audio(self, samples: np.ndarray, records: p.StreamRecords | None = None,
                     timeout: float = INVOKE_TIMEOUT_S) -> p.StreamRecords:
        """Push int16 samples; returns the frames, scores and detections they produced."""
        pcm = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        records = records or p.StreamRecords()
        chunk = (self._max_payload // 2) * 2
        pos = 0
        while pos < len(pcm):
            answer = self.request(p.Msg.STREAM_AUDIO, pcm[pos:pos + chunk], timeout=timeout)
            (consumed,) = struct.unpack_from("<I", answer, 0)
            if consumed == 0 and len(answer) == 4:
                raise KwstinyError("the board took no audio: its answer frame is too small "
                                   "for one frame's records")
            p.parse_stream_records(answer[4:], records)
            pos += 2 * consumed
        return records

    def stream_poll(self, records: p.StreamRecords | None = None) -> p.StreamRecords:
        """The records of the board-microphone audio captured since the last poll."""
        answer = self.request(p.Msg.STREAM_AUDIO, b"", timeout=INVOKE_TIMEOUT_S)
        return p.parse_stream_records(answer[4:], records)

    def stream_end(self) -> dict:
        samples, frames, inferences, detections = struct.unpack(
            "<IIII", self.request(p.Msg.STREAM_END))
        return {"samples": samples, "frames": frames, "inferences": inferences,
                "detections": detections}
