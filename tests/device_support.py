"""Shared pieces of the firmware tests: cached firmware builds, TFLM discovery, and
a TCP proxy that damages the serial line on purpose."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from kwstiny.device.firmware import build_firmware
from kwstiny.paths import REPO_ROOT

BUILD_ROOT = REPO_ROOT / "build" / "firmware"
_BUILDS: dict = {}
_LOCK = threading.Lock()


def firmware(board: str, *, tflm: bool = False, cmsis_nn: bool = False, model: str | None = None,
             **options) -> Path:
    """Build (incrementally, once per test session) a firmware variant under build/firmware/build-pytest-*."""
    if board == "qemu_an505":
        for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
            if not _which(tool):
                pytest.skip(f"{tool} is not installed (scripts/setup.sh installs it)")
    key = (board, tflm, cmsis_nn, model, tuple(sorted(options.items())))
    with _LOCK:
        if key not in _BUILDS:
            name = f"build-pytest-{board}" + ("-tflm" if tflm else "") + ("-cmsis" if cmsis_nn else "")
            if model:
                name += "-" + Path(model).stem
            if options:  # a short, path-safe tag (option values may hold ';')
                import hashlib
                name += "-" + hashlib.sha1(repr(sorted(options.items())).encode()).hexdigest()[:8]
            _BUILDS[key] = build_firmware(board, tflm_root=tflm_root() if tflm else None,
                                          cmsis_nn=cmsis_nn, model=model, build_dir=BUILD_ROOT / name,
                                          options=options)
        return _BUILDS[key]


def tflm_root() -> str:
    """TFLM_ROOT from the environment, or skip the test saying why."""
    root = os.environ.get("TFLM_ROOT")
    if not root:
        pytest.skip("needs a TFLM library: set TFLM_ROOT to a tflite-micro checkout built with "
                    "TFLM's Makefile (see kwstiny/firmware/README.md)")
    return root


def _which(tool: str) -> bool:
    import shutil
    return shutil.which(tool) is not None


class FaultyLink:
    """A TCP proxy between the client and a board that drops or flips chosen bytes.

    `drop(direction, n)` loses the n-th byte (0-based, counted from now) in that
    direction ("to_board" or "to_host"); `flip(direction, n)` inverts its bits.
    """

    def __init__(self, board_port: int):
        self._listen = socket.socket()
        self._listen.bind(("127.0.0.1", 0))
        self._listen.listen(1)
        self.port = self._listen.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._board_port = board_port
        self._faults: dict[str, list] = {"to_board": [], "to_host": []}
        self._counts = {"to_board": 0, "to_host": 0}
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def drop(self, direction: str, n: int) -> None:
        with self._lock:
            self._faults[direction].append((self._counts[direction] + n, "drop"))

    def flip(self, direction: str, n: int) -> None:
        with self._lock:
            self._faults[direction].append((self._counts[direction] + n, "flip"))

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listen.accept()
            except OSError:
                return
            board = socket.create_connection(("127.0.0.1", self._board_port))
            self._sockets += [client, board]
            for src, dst, direction in ((client, board, "to_board"), (board, client, "to_host")):
                threading.Thread(target=self._pump, args=(src, dst, direction), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        while True:
            try:
                data = src.recv(4096)
            except OSError:
                data = b""
            if not data:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            out = bytearray()
            with self._lock:
                start = self._counts[direction]
                self._counts[direction] += len(data)
                faults = {at: kind for at, kind in self._faults[direction] if start <= at < start + len(data)}
            for i, byte in enumerate(data):
                kind = faults.get(start + i)
                if kind == "drop":
                    continue
                out.append(byte ^ 0xFF if kind == "flip" else byte)
            try:
                dst.sendall(bytes(out))
            except OSError:
                return

    def close(self) -> None:
        self._listen.close()
        for s in self._sockets:
            try:
                s.close()
            except OSError:
                pass
