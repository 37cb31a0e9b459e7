"""Progress reporting of long writes: ``progress=True`` prints to stderr, a callable receives
:class:`~darwin_fs.results.WriteProgress` after each chunk, ``None``/``False`` is silent."""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO, Union

from darwin_fs.results import WriteProgress

ProgressCallback = Callable[[WriteProgress], None]
ProgressArg = Union[bool, ProgressCallback, None]


class StderrProgress:
    """Prints ``<label>: 40,000/100,000 rows (40%), 1.2s`` at most every ``interval_s`` and at the end."""

    def __init__(self, label: str, interval_s: float = 1.0, stream: Optional[TextIO] = None) -> None:
        self.label = label
        self.interval_s = interval_s
        self.stream = stream
        self._last = float("-inf")

    def __call__(self, p: WriteProgress) -> None:
        now = time.monotonic()
        done = p.rows_done >= p.rows_total
        if not done and now - self._last < self.interval_s:
            return
        self._last = now
        stream = self.stream or sys.stderr
        stream.write(f"{self.label}: {p.rows_done:,}/{p.rows_total:,} rows ({p.fraction:.0%}), {p.elapsed_s:.1f}s\n")
        stream.flush()


def progress_callback(progress: ProgressArg, label: str) -> Optional[ProgressCallback]:
    """The callback for a ``progress`` argument (see the module docstring)."""
    if progress is True:
        return StderrProgress(label)
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    raise TypeError(f"progress must be a bool or a callable, got {type(progress).__name__}")
