"""One look for progress bars across commands (rich, to stderr)."""

from __future__ import annotations

import contextlib

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

console = Console(stderr=True)


@contextlib.contextmanager
def progress_bar(enabled: bool = True):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
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
