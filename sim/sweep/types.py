"""Plain data shared by the sweep design, its execution and its storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a design point, a replication and the seed it uses.

    Attributes:
        run_id: sha256 hex of the resolved scenario TOML and the seed (stable, host-free).
        point: Index of the design point (0-based).
        replication: Replication number (0-based); replications use common seeds across points.
        seed: The run's root seed.
        overrides: Scenario key → value: the sweep's ``set`` values and this point's levers
            and uncertainties; the base scenario with these overrides is exactly the scenario
            whose resolved TOML the ``run_id`` hashes. Two points may resolve to the same
            scenario (integer rounding, repeated draws): they then share a ``run_id`` and the
            run is executed once.
    """

    run_id: str
    point: int
    replication: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
