"""The boards kwstiny's firmware runs on, and what each can do."""

from __future__ import annotations

from dataclasses import dataclass

from kwstiny.errors import KwstinyError


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    accelerator: str | None  # "MVP" where the board's TFLM kernels use one
    counter: str             # what the firmware's tick counts mean
    buildable_here: bool     # built by kwstiny/firmware/CMakeLists.txt (not a vendor SDK)


BOARDS = {
    "host": Board("host", "the firmware as a POSIX process (serial line: TCP socket or pty)",
                  None, "nanoseconds of the host's clock", True),
    "qemu_an505": Board("qemu_an505", "Cortex-M33 (MPS2 AN505) emulated by QEMU",
                        None, "emulated instructions (QEMU -icount), not cycles", True),
    "efr32xg24": Board("efr32xg24", "Silicon Labs EFR32xG24 (Cortex-M33 at 78 MHz, MVP accelerator)",
                       "MVP", "CPU cycles", False),
}
ALIASES = {"qemu": "qemu_an505", "an505": "qemu_an505", "efr32mg24": "efr32xg24"}


def get_board(name: str) -> Board:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in BOARDS:
        raise KwstinyError(f"unknown board {name!r}; kwstiny knows: {', '.join(BOARDS)} "
                           f"(aliases: {', '.join(ALIASES)})")
    return BOARDS[key]


def check_accelerator(accelerator: str | None, info: dict) -> None:
    """Fail clearly when asked for an accelerator the connected board does not have."""
    if not accelerator or accelerator.lower() == "none":
        return
    have = info.get("accelerator", "none")
    if have.lower() != accelerator.lower():
        raise KwstinyError(f"--accelerator {accelerator} asked for, but the board "
                           f"({info.get('board', '?')}) has {'no accelerator' if have == 'none' else have}; "
                           "drop --accelerator or use a board with it")
