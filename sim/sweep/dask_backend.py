"""Run a sweep on a Dask distributed cluster (``channelsim sweep --scheduler ADDRESS``).

The sweep executes exactly as on the local pool (:mod:`sim.sweep.execute`): the same chunks of
runs, the same task function :func:`sim.sweep.execute.run_chunk`, submitted through the
:class:`concurrent.futures.Executor` of a ``distributed.Client``
(``client.get_executor(pure=False)``). Each task writes its runs' files itself, so a run file's
bytes do not depend on where it ran: a run file written on a Dask worker is byte-identical to
the one the local pool writes.

What the cluster must provide:

* **The project installed on every worker** (same version), so that the workers can import
  :mod:`sim` to run the tasks.
* **The sweep directory on a shared filesystem, at the same absolute path** on the machine that
  runs ``channelsim sweep`` and on every worker: workers write ``runs/<run_id>.parquet`` and
  ``failed/<run_id>.txt`` there directly, and nothing but a short status per run travels back
  to the client. The base scenario is passed as an absolute path too (for a shipped scenario,
  the project's ``scenarios/`` folder), so it must be readable at that path on the workers.

A run that cannot write its file (a worker that does not see the directory) or a task that
cannot run (``sim`` missing on a worker) is recorded as a failed run with its error, like any
other failure. Chunks are sized for the worker threads the cluster has when the sweep starts
(:func:`cluster_threads`), so start the workers before the sweep.

Unlike local pool workers, cluster workers do not belong to the ``channelsim`` process: if it is
killed, the chunks already running on the cluster finish and write their (atomic) run files;
``--resume`` skips them. Dask is imported only when a scheduler is used, so the command line
starts as fast as ever.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Executor

from sim.errors import InputError

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the scheduler to answer before giving up (read at each call)."""

SCHEMES: tuple[str, ...] = ("tcp", "tls", "ws", "wss", "ucx")
"""Address schemes accepted for a scheduler (``tcp://`` when none is given)."""


def _check_address(address: str) -> None:
    """Refuse an address that is not ``[SCHEME://]HOST:PORT`` with a known scheme."""
    expected = "expected a Dask scheduler address such as tcp://HOST:8786"
    text = address.strip()
    scheme, sep, rest = text.rpartition("://")
    if not sep:
        scheme, rest = "tcp", text
    host, colon, port = rest.rpartition(":")
    if scheme not in SCHEMES or not colon or not host or not port.isdigit():
        raise InputError(f"--scheduler: {address!r} is not accepted; {expected}")


def dask_executor(
    address: str, *, timeout: float | None = None
) -> tuple[Executor, Callable[[], None]]:
    """Connect to a Dask scheduler; return an executor for its workers and a close function.

    The executor is ``distributed.Client(address).get_executor(pure=False)``: every submitted
    chunk is a new task (``pure=False``), even when an identical chunk ran before. Pass it to
    :func:`sim.sweep.execute.run_sweep` as ``executor``; call the close function once the
    sweep is over (it cancels the tasks not yet started and closes the client).

    Args:
        address: The scheduler's address, e.g. ``tcp://host:8786`` (``host:8786`` means
            ``tcp://``).
        timeout: Seconds to wait for the scheduler (default :data:`CONNECT_TIMEOUT`).

    Returns:
        The executor and the function that closes the connection.

    Raises:
        InputError: The address is malformed, or the scheduler cannot be reached within the
            timeout (exit status 2 in the CLI).
    """
    _check_address(address)
    wait = CONNECT_TIMEOUT if timeout is None else timeout
    from distributed import Client  # lazy: optional dependency, only with --scheduler

    try:
        client = Client(address.strip(), timeout=wait, set_as_default=False)
    except Exception as exc:  # OSError on time-out; distributed raises others on odd replies
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(
            f"--scheduler: cannot reach the Dask scheduler at {address} within {wait:g} s "
            f"({reason}); expected a running scheduler (dask scheduler, dask-ssh, a "
            "Kubernetes or job-queue cluster) listening at that address"
        ) from None
    executor = client.get_executor(pure=False)

    def close() -> None:
        """Cancel the tasks not yet started and close the client (idempotent)."""
        with contextlib.suppress(Exception):
            executor.shutdown(wait=False)
        with contextlib.suppress(Exception):
            client.close()

    return executor, close


def cluster_threads(executor: Executor) -> int:
    """The worker threads of the cluster behind an executor of :func:`dask_executor`.

    Args:
        executor: An executor returned by :func:`dask_executor`.

    Returns:
        The total threads of the workers connected now (0 when none has joined yet, or when
        ``executor`` is not a Dask executor).
    """
    client = getattr(executor, "_client", None)  # distributed's ClientExecutor keeps its client
    if client is None:
        return 0
    try:
        return int(sum(client.nthreads().values()))
    except Exception:  # the scheduler went away: the sweep will report the failed chunks
        return 0
