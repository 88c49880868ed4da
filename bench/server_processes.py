"""What the server's processes (its process group: the runner and every worker) use, read from
/proc, for the benches that start it."""

from __future__ import annotations

import os
from collections.abc import Iterator


def _group(pgid: int) -> Iterator[str]:
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.getpgid(int(entry)) == pgid:
                yield entry
        except ProcessLookupError:
            continue


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process of the group."""
    total_kb = 0
    for pid in _group(pgid):
        try:
            with open(f"/proc/{pid}/status") as status:
                total_kb += sum(
                    int(line.split()[1]) for line in status if line.startswith("VmRSS:")
                )
        except OSError:
            continue
    return total_kb / 1024


def group_cpu_seconds(pgid: int) -> float:
    """CPU time every process of the group has used so far."""
    ticks = 0
    for pid in _group(pgid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")
