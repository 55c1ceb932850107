"""One request to a speech engine kept running between requests (festival, GnuSpeech)."""

from __future__ import annotations

import subprocess
import threading


def ask(process: subprocess.Popen, request: bytes, end: bytes | None,
        timeout_s: float) -> bytes:
    """Write `request`, then read answer lines until one holds `end` (None: one line).
    Returns that last line, b"" if the process ended or hung (a hung one is killed
    after `timeout_s`, which ends the read)."""
    watchdog = threading.Timer(timeout_s, process.kill)
    watchdog.start()
    try:
        process.stdin.write(request)
        process.stdin.flush()
        while True:
            line = process.stdout.readline()
            if not line or end is None or end in line:
                return line
    except OSError:
        return b""
    finally:
        watchdog.cancel()
