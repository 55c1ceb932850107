"""What the default room bank holds: reverberation times asked for against those measured
on the simulated responses (T30, pyroomacoustics), and direct-to-reverberant ratios.

    python benchmarks/room_bank_stats.py

Writes benchmarks/results/room_bank_stats.json (the bank is simulated in a temporary
KWSTINY_HOME, so the cost of making it is measured too).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "room_bank_stats.json"


def main() -> None:
    os.environ["KWSTINY_HOME"] = tempfile.mkdtemp(prefix="kwstiny-rooms-")
    import pyroomacoustics as pra

    from kwstiny.data.rooms import RoomBank, RoomBankSettings, room_bank
    from kwstiny.paths import write_json

    settings = RoomBankSettings()
    start, cpu = time.perf_counter(), time.process_time()
    bank = RoomBank(room_bank(settings))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    rate = settings.sample_rate
    drr, measured, asked = [], [], []
    for k in range(len(bank)):
        rir = bank.response(k).astype(np.float64)
        direct = int(np.argmax(np.abs(rir))) + int(0.0025 * rate)  # direct sound +-2.5 ms
        drr.append(10 * np.log10(np.sum(rir[:direct] ** 2) / np.sum(rir[direct:] ** 2)))
        measured.append(pra.experimental.measure_rt60(rir, fs=rate, decay_db=30))
        asked.append(bank.info[k]["rt60_s"])
    drr, measured, asked = map(np.array, (drr, measured, asked))
    pct = (5, 50, 95)
    write_json(OUT, {
        "settings": {"rooms": settings.count, "seed": settings.seed,
                     "rt60_s": settings.rt60_s, "distance_m": settings.distance_m},
        "simulate_seconds": {"wall": round(wall, 1), "cpu": round(cpu, 1)},
        "response_seconds_p5_p50_p95": np.percentile(bank.lengths / rate, pct).round(2),
        "drr_db_p5_p50_p95": np.percentile(drr, pct).round(1),
        "rt60_asked_s_p5_p50_p95": np.percentile(asked, pct).round(2),
        "rt60_measured_t30_s_p5_p50_p95": np.percentile(measured, pct).round(2),
        "measured_over_asked_median": round(float(np.median(measured / asked)), 2),
    })
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
