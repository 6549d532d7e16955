"""Value-added resellers: resale with services; certifications raise service quality."""

from __future__ import annotations

from sim.agents.base import Partner
from sim.scenario.schema import VarType


class ValueAddedReseller(Partner):
    """A VAR: sells with implementation and support services, often vertically specialised.

    It certifies one more rep at a time when its recent margin from the vendor repays the
    certification within a year (:meth:`~sim.agents.base.Partner.act`, shared by every
    reselling role; VARs are the type whose ``certification_quality`` is positive by default);
    a certification takes time (a SimPy process) and raises its service quality, which raises
    its win rate and lowers its customers' churn.
    """

    params: VarType
