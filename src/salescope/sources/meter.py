"""How far reading the inputs has got, in bytes of the input files, as measured.

The sizes of the input files are known before reading starts. While a file is read, the
engine says which share of its running query it has done; a file's main query is the
scan of the file, so that share of the file's bytes is read. The meter reports the bytes
of the files finished plus that share of the current file, never a guess: a file the
engine reads without a running estimate (DuckDB's type sniffing, an Excel sheet read in
Python) counts in one step when it is done.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from salescope.engine import Engine
from salescope.progress import Progress, Work, notify_work
from salescope.sources.readers import spec_files


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class ReadMeter:
    """Bytes of the input files read so far, reported to ``progress`` on each poll.

    :meth:`started` is called (main thread) as each file's reading starts, :meth:`poll`
    from a background thread. The current file's share is the largest the engine has
    reported while reading it: the file's later, smaller queries (counting its rows,
    storing rejected lines) do not take it back.
    """

    def __init__(self, engine: Engine, progress: Progress, specs: Sequence[str]) -> None:
        files = {p.resolve(): p for spec in specs for p in spec_files(spec)}
        self.total = sum(_size(p) for p in files.values())
        self._engine = engine
        self._progress = progress
        self._lock = threading.Lock()
        self._done = 0
        self._current: Path | None = None
        self._current_size = 0
        self._share = 0.0

    def started(self, path: Path) -> None:
        """A file's reading starts: the one before is read whole."""
        with self._lock:
            self._done += self._current_size
            self._current, self._current_size, self._share = path, _size(path), 0.0

    def poll(self) -> None:
        """Read the engine's progress and report the bytes read so far."""
        share = self._engine.query_progress()
        with self._lock:
            if self._current is None or not self.total:
                return
            if share is not None:
                self._share = max(self._share, share)
            done = min(self.total, self._done + self._share * self._current_size)
            label = f"reading {self._current.name}"
        notify_work(self._progress, Work("read", label, done, self.total, "bytes"))
