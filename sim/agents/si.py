"""System integrators: enterprise projects, long cycles, services-heavy."""

from __future__ import annotations

from sim.agents.base import Partner
from sim.scenario.schema import SiType


class SystemIntegrator(Partner):
    """An SI: serves mid-market and enterprise accounts with large multi-vendor projects.

    Its defaults give it few, long opportunities (cycle multiplier > 1, few concurrent
    opportunities per rep) and services worth more than the licence; accounts that need
    implementation value its offer most.
    """

    params: SiType
