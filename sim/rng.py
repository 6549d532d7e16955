"""Named random streams derived from one root seed.

Every random purpose (awareness draws, seat sizes, choice, ...) has its own generator, seeded
from the root seed and a stable hash of its name, so switching one lever does not shift the draws
of unrelated purposes (common random numbers across designs). Python's ``hash()`` is never used:
it changes with ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> tuple[int, ...]:
    """Turn a stream name into stable integer words for ``SeedSequence``.

    Args:
        name: The purpose of the stream, e.g. ``"market.awareness"``.

    Returns:
        Four 32-bit words derived from the SHA-256 of the name.
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """A factory of named, independent generators for one run.

    Args:
        seed: The run's root seed (int ≥ 0).
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be ≥ 0, got {seed}")
        self.seed = seed
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """Return the generator of one purpose, creating it on first use.

        Args:
            name: The purpose of the stream. The same name always gives the same stream for a
                given root seed; different names give independent streams.

        Returns:
            A numpy ``Generator`` (PCG64) private to that purpose.
        """
        gen = self._cache.get(name)
        if gen is None:
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=stream_key(name))
            gen = np.random.Generator(np.random.PCG64(ss))
            self._cache[name] = gen
        return gen

    def names(self) -> list[str]:
        """Return the names of the streams used so far, sorted."""
        return sorted(self._cache)
