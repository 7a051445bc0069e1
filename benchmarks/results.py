"""Appending a benchmark's block to its section of RESULTS.md, with the commit measured."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def record(section: str, text: str) -> None:
    """Append ``text`` to the end of ``section`` (a ``## `` heading) of RESULTS.md."""
    current = RESULTS.read_text(encoding="utf-8")
    if section not in current:
        current = current.rstrip("\n") + f"\n\n{section}\n"
    start = current.index(section)
    after = current.find("\n## ", start + len(section))
    end = len(current) if after < 0 else after + 1
    updated = current[:end].rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n\n" + current[end:]
    RESULTS.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def commit() -> str:
    """The checkout's short commit, with ``+`` when its src/ has changes."""
    git = ["git", "-C", str(HERE)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True, text=True)
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as ``uptime`` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine(load_start: str) -> str:
    """The machine line of a recorded block: cores, Python and the load at the start."""
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average (1, 5, "
        f"15 min) at the start {load_start}"
    )
