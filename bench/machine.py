"""What the benchmarks ran on, for every bench script's header (figures mean little without it)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def memory() -> str:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        return f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def describe() -> str:
    """One line: CPU, cores, memory, Python, numpy and scipy versions."""
    import numpy
    import scipy

    return (f"{cpu_model()}, {os.cpu_count()} cores, {memory()}; Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, scipy {scipy.__version__}")


def timed(fn, repeats: int):
    """(median wall time in seconds over `repeats` calls of fn, fn's last result)."""
    import statistics
    import time

    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out
