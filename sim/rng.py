"""Named random streams derived from one root seed.

Every random purpose (awareness draws, seat sizes, choice, ...) has its own generator, seeded
from the root seed and a stable hash of its name, so switching one lever does not shift the draws
of unrelated purposes (common random numbers across designs). Python's ``hash()`` is never used:
it changes with ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from numpy.typing import NDArray


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


BITS_SCALE = 2.0**-32
"""The grid step of :func:`uniform_bits`: ``bits * BITS_SCALE`` is the draw as a float (exact)."""


def uniform_bits(rng: np.random.Generator, n: int) -> NDArray[np.uint32]:
    """``n`` uniform draws on the grid ``k / 2**32``, given as the integers ``k``.

    Each draw is one 32-bit half of the bit generator's raw 64-bit output. :func:`draws_below`
    decides ``u < p`` on these integers exactly as on the float; drawing them costs about a
    third of ``rng.random(n)``, so the per-account draws of every period use them.

    Args:
        rng: The stream to draw from (its bit generator advances by ``ceil(n / 2)`` words).
        n: Number of draws.

    Returns:
        A ``uint32`` array of length ``n``.
    """
    words = rng.bit_generator.random_raw((n + 1) // 2)
    return np.asarray(words, dtype=np.uint64).view(np.uint32)[:n]


def bits_threshold(p: float) -> int:
    """The integer ``t`` such that ``k < t`` exactly when ``k / 2**32 < p``, for ``0 ≤ k < 2**32``.

    Args:
        p: A probability (values outside [0, 1] are clipped).

    Returns:
        ``ceil(p * 2**32)`` clipped to ``[0, 2**32]`` (``2**32``: every draw is below ``p``).
    """
    return min(max(math.ceil(p * 2.0**32), 0), 2**32)


def draws_below(bits: NDArray[np.uint32], p: float) -> NDArray[np.bool_]:
    """Whether each draw of :func:`uniform_bits` falls below ``p`` (as ``u < p`` would).

    Args:
        bits: The draws.
        p: A probability.

    Returns:
        A boolean array like ``bits``.
    """
    threshold = bits_threshold(p)
    if threshold >= 2**32:
        return np.ones(len(bits), dtype=bool)
    return bits < np.uint32(threshold)
