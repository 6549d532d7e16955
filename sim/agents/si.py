"""System integrators: enterprise projects, long cycles, services-heavy."""

from __future__ import annotations

from sim.agents.base import Partner
from sim.scenario.schema import SiType


class SystemIntegrator(Partner):
    """An SI: serves mid-market and enterprise accounts with large multi-vendor projects.

    It bids only on projects: opportunities of accounts that need implementation services.
    Its defaults give it few, long opportunities (cycle multiplier > 1, few concurrent
    opportunities per rep) and services worth more than the licence.
    """

    params: SiType
    projects_only = True
