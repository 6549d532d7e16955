"""Managed service providers: the product as a monthly managed service."""

from __future__ import annotations

from typing import Any

from sim.agents.base import Partner
from sim.scenario.schema import MspType


class ManagedServiceProvider(Partner):
    """An MSP: resells the product monthly, bundled with its management fee.

    Whatever the product's revenue model, the vendor bills the MSP per seat per month at the
    subscription price less the MSP discount; the MSP adds its own fee (services revenue).
    Accounts without IT staff value the managed offer; managed accounts churn least.
    """

    params: MspType
    managed = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.churn_factor = self.params.churn_factor
        self.services_margin = self.params.services_margin

    def managed_fee(self) -> float:
        """The MSP's own fee per seat per month (its services revenue)."""
        return self.params.managed_fee_per_seat
