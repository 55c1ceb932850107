"""`kwstiny flash MODEL|FIRMWARE --board B`: put a firmware image or a model on a board.

- qemu_an505 / host: a firmware image starts under emulation (QEMU's Cortex-M33, or
  the host build) in the background, its serial line on a local TCP port; a model
  is sent over that serial line into the firmware's model slot.
- efr32xg24: a firmware image is written with Simplicity Commander or pyOCD, whichever
  is installed; a model is sent over the board's serial port (VCOM) into its slot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from kwstiny import paths
from kwstiny.device import session
from kwstiny.device.boards import get_board
from kwstiny.device.emulator import HostBoard, QemuBoard, free_port
from kwstiny.errors import KwstinyError

FIRMWARE_SUFFIXES = {".elf", ".axf", ".s37", ".hex", ".bin", ""}


def is_model(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(8)
    return len(head) == 8 and head[4:8] == b"TFL3"


def flash(target: str, board: str, port: str | None = None, firmware: str | None = None,
          progress=None) -> str:
    """Flash `target` (a .tflite or a firmware image); returns a line saying what happened."""
    spec = get_board(board)
    path = Path(target)
    if not path.is_file():
        raise KwstinyError(f"nothing to flash: {path} does not exist")
    if is_model(path):
        return _flash_model(path, spec.name, port, firmware, progress)
    if path.suffix.lower() not in FIRMWARE_SUFFIXES:
        raise KwstinyError(f"{path} is neither a .tflite model nor a firmware image "
                           f"({', '.join(s for s in sorted(FIRMWARE_SUFFIXES) if s)})")
    if spec.name in session.EMULATED:
        return _start_emulator(path, spec.name)
    return _flash_hardware(path, spec.name)


def _start_emulator(image: Path, board: str) -> str:
    session.stop_emulator(board)
    log = paths.home() / "device" / f"{board}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if board == "qemu_an505":
        running = QemuBoard(image, free_port(), detach=True, log=log)
        monitor = running.monitor
    else:
        running = HostBoard(image, port=free_port(), detach=True, log=log)
        monitor = None
    session.remember_emulator(board, {"pid": running.process.pid, "url": running.url,
                                      "firmware": str(image.resolve()), "monitor": monitor,
                                      "log": str(log)})
    return (f"{board}: running {image.name} in the background; serial line {running.url} "
            f"(stop it with `kwstiny device stop`)")


def _flash_model(model: Path, board: str, port: str | None, firmware: str | None, progress) -> str:
    if port is None and board in session.EMULATED and session.running_emulator(board) is None:
        if not firmware:
            raise KwstinyError(f"no {board} board is running: give the firmware to start with "
                               f"--firmware (kwstiny build_firmware --board {board} --tflm-root ... "
                               "builds one), or flash the firmware first")
        _start_emulator(Path(firmware), board)
    if port is None and board in session.EMULATED:
        port = session.running_emulator(board)["url"]
    if port is None:
        raise KwstinyError(f"loading a model onto the {board} goes over its serial port: pass --port")
    with session.connect(port) as client:
        info = session.ensure_model(client, model.read_bytes(), progress=progress)
    return (f"{board}: {model.name} loaded ({info.size:,} bytes, {info.n_operators} ops, "
            f"arena {info.arena_used:,} bytes) on {port}")


def _flash_hardware(image: Path, board: str) -> str:
    commander = shutil.which("commander")
    if commander:
        command = [commander, "flash", str(image)]
    elif shutil.which("pyocd"):
        target = os.environ.get("KWSTINY_PYOCD_TARGET", "efr32mg24b210f1536im48")
        command = ["pyocd", "flash", "--target", target, str(image)]
    else:
        raise KwstinyError(f"flashing the {board} needs Simplicity Commander (`commander`, from "
                           "Silicon Labs) or pyOCD (`pip install pyocd`, then `pyocd pack install "
                           "efr32mg24`) on the PATH; neither was found")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-10:])
        raise KwstinyError(f"{command[0]} could not flash {image}:\n{tail}")
    return f"{board}: flashed {image.name} with {Path(command[0]).name}"
