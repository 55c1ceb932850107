"""Building kwstiny's firmware with CMake (kwstiny/firmware/CMakeLists.txt) for a board.

TFLM is never built here: a TFLM library built with TFLM's own Makefile is
passed in as `tflm_root` (see kwstiny/firmware/README.md). Without it the firmware has
everything except the interpreter.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from kwstiny.device.boards import get_board
from kwstiny.errors import KwstinyError
from kwstiny.paths import home

FIRMWARE_DIR = Path(__file__).resolve().parent.parent / "firmware"
FIRMWARE_NAMES = {"host": "kwstiny-fw-host", "qemu_an505": "kwstiny-fw-qemu_an505.elf"}
TEST_NAMES = {"host": "kwstiny-fw-tests", "qemu_an505": "kwstiny-fw-tests-qemu_an505.elf"}


def build_dir_for(board: str, options: dict) -> Path:
    """One build directory per board and option set, under KWSTINY_HOME/firmware."""
    key = ";".join(f"{k}={v}" for k, v in sorted(options.items()))
    tag = hashlib.sha1(key.encode()).hexdigest()[:8] if options else "plain"
    return home() / "firmware" / f"{board}-{tag}"


def build_firmware(board: str, *, tflm_root: str | os.PathLike | None = None, cmsis_nn: bool = False,
                   model: str | os.PathLike | None = None, build_dir: str | os.PathLike | None = None,
                   options: dict | None = None, jobs: int = 2) -> Path:
    """Configure and build the firmware; returns the firmware image's path."""
    spec = get_board(board)
    board = spec.name
    if not spec.buildable_here:
        raise KwstinyError(f"the {board} firmware is built with the vendor's SDK, not here; "
                           "see kwstiny/firmware/README.md, section 'EFR32xG24'")
    for tool in ("cmake",) + (("arm-none-eabi-gcc",) if board == "qemu_an505" else ()):
        if shutil.which(tool) is None:
            raise KwstinyError(f"building the {board} firmware needs {tool} (scripts/setup.sh installs it)")
    defines = {"KWSTINY_BOARD": board, "CMAKE_BUILD_TYPE": "Release"}
    if tflm_root:
        defines["TFLM_ROOT"] = str(Path(tflm_root).resolve())
        defines["KWSTINY_CMSIS_NN"] = "ON" if cmsis_nn else "OFF"
    if model:
        defines["KWSTINY_MODEL"] = str(Path(model).resolve())
    defines.update({k: str(v) for k, v in (options or {}).items()})
    build = Path(build_dir) if build_dir else build_dir_for(board, {k: v for k, v in defines.items()
                                                                  if k != "CMAKE_BUILD_TYPE"})
    configure = ["cmake", "-S", str(FIRMWARE_DIR), "-B", str(build)] + [f"-D{k}={v}" for k, v in defines.items()]
    _run(configure, "configuring")
    _run(["cmake", "--build", str(build), "-j", str(jobs)], "building")
    return build / FIRMWARE_NAMES[board]


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise KwstinyError(f"{what} the firmware failed ({' '.join(command[:2])} ...):\n{tail}")
