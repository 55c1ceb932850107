"""One look for progress bars across commands (rich, to stderr). Where stderr is not a
terminal (a log file, CI, nohup), rich draws a bar only when it finishes, so a plain line
per task is printed instead every tenth of the way or every minute."""

from __future__ import annotations

import contextlib
import time

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

console = Console(stderr=True)
LOG_EVERY_S = 60.0


class _LoggedProgress(Progress):
    """rich's Progress that also prints `description: done/total (elapsed)` lines when the
    console cannot redraw a bar."""

    def __init__(self, *columns, **kwargs):
        super().__init__(*columns, **kwargs)
        self._logged: dict = {}   # task id -> (time, tenths done) of its last line

    def update(self, task_id, **kwargs) -> None:
        super().update(task_id, **kwargs)
        self._log(task_id)

    def advance(self, task_id, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log(task_id)

    def _log(self, task_id) -> None:
        if self.disable or self.console.is_terminal:
            return
        with self._lock:
            task = self._tasks[task_id]
            total, done, elapsed = task.total, task.completed, task.elapsed or 0.0
            description = task.description
        now = time.monotonic()
        tenths = min(int(10 * done / total), 10) if total else 0
        last_time, last_tenths = self._logged.setdefault(task_id, (now, 0))
        if last_tenths >= 10:
            return  # its last line is out
        if tenths <= last_tenths and now - last_time < LOG_EVERY_S:
            return
        self._logged[task_id] = (now, tenths)
        of = f"/{total:.0f}" if total else ""
        self.console.print(f"{description}: {done:.0f}{of} ({elapsed:.0f} s)",
                           highlight=False, markup=False)


@contextlib.contextmanager
def progress_bar(enabled: bool = True):
    with _LoggedProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                  transient=False, disable=not enabled) as progress:
        yield progress


def track(items, description: str, total: int | None = None):
    """Iterate `items` with a progress bar."""
    with progress_bar() as progress:
        task = progress.add_task(description, total=total if total is not None else len(items))
        for item in items:
            yield item
            progress.advance(task)
