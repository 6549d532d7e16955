"""Progress bars on stderr (rich), shown only where someone watches them.

Bars go to stderr so that stdout stays clean for results, and are shown only when stderr is a
terminal (or when forced), so logs and CI output never fill with redraws.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def wants_progress(requested: bool, force: bool = False) -> bool:
    """Whether to draw a progress bar.

    Args:
        requested: The caller asked for progress (e.g. no ``--quiet``).
        force: Draw even when stderr is not a terminal.

    Returns:
        True when requested and (forced or stderr is a terminal).
    """
    if not requested:
        return False
    if force:
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(total: int, description: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar for ``total`` steps; yields ``advance(n)``.

    Args:
        total: Number of steps.
        description: Text before the bar.
        enabled: Draw the bar; when False, ``advance`` does nothing and rich is not imported.

    Yields:
        A function that advances the bar by ``n`` steps.
    """
    if not enabled:

        def skip(n: int = 1) -> None:
            del n

        yield skip
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


@contextmanager
def runs_progress(
    total: int, description: str, enabled: bool, already: int = 0
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over many runs: runs done, failures, rate and time left.

    Args:
        total: Number of runs.
        description: Text before the bar (e.g. ``sweep``, ``compare``).
        enabled: Draw the bar; when False, ``advance`` does nothing and rich is not imported.
        already: Runs finished before this bar started (e.g. when resuming).

    Yields:
        ``advance(done, failed)``: counts of runs finished and failed since the last call.
    """
    if not enabled:

        def skip(done: int, failed: int) -> None:
            del done, failed

        yield skip
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    start = time.perf_counter()
    counts = [0, 0]
    with Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total, completed=already, failed=0, rate="– runs/s")

        def advance(done: int, failed: int) -> None:
            counts[0] += done
            counts[1] += failed
            elapsed = max(time.perf_counter() - start, 1e-9)
            rate = f"{(counts[0] + counts[1]) / elapsed:.2f} runs/s"
            bar.update(task, advance=done + failed, failed=counts[1], rate=rate)

        yield advance
