"""Timing shared by the benchmark scripts (imported as a sibling module: each script
runs with benchmarks/ first on sys.path)."""

from __future__ import annotations

import time


def best_time(run, repeats: int) -> dict:
    """Best wall-clock and best process-CPU seconds of `run()` over the repeats (on a
    shared machine the CPU figure is the fair one)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
    return {"wall_s": wall, "cpu_s": cpu}
