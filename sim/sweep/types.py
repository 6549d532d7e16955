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
        overrides: Scenario key → value of this point (levers and uncertainties).
    """

    run_id: str
    point: int
    replication: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
