"""Affiliates: awareness and referral leads; paid commissions; they never close deals."""

from __future__ import annotations

from typing import Any

from sim.agents.base import Partner, Status
from sim.scenario.schema import AffiliateType


class Affiliate(Partner):
    """An affiliate: raises awareness in its territories and refers accounts.

    Each period it sends ``referrals_per_month × commitment`` referral leads (Poisson) drawn
    from aware or unaware accounts of its segments in its territories; those accounts open an
    opportunity at once. The affiliate is paid a commission on the vendor net revenue of the
    accounts it referred, recurring for ``commission_months`` (or once, on the first payment).
    """

    params: AffiliateType
    closes_deals = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referrals = 0

    def rival_profit(self) -> float:
        """Monthly profit other affiliate programmes offer it."""
        return self.params.rival_profit_per_rep

    def effort_base(self) -> float:
        """Fixed monthly cost of its site and campaigns at full commitment."""
        return self.params.fixed_cost

    def reach(self) -> float:
        """Awareness probability per month it adds in its territories."""
        return self.params.reach * self.commitment if self.status == Status.ACTIVE else 0.0

    def referral_rate(self) -> float:
        """Expected referral leads per month."""
        return (
            self.params.referrals_per_month * self.commitment
            if self.status == Status.ACTIVE
            else 0.0
        )
