"""Partners joining: initial partners, recruitment to target counts, onboarding, two-tier links."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.agents import ROLE_CLASSES, Partner, Status
from sim.agents.distributor import Distributor, distributors_of, link_reseller
from sim.names import PARTNER_TYPES
from sim.program.exclusivity import assign_territories, free_exclusive_territory

if TYPE_CHECKING:
    from sim.model import ChannelModel


class Recruitment:
    """Creates the model's partners, at the start and when it recruits.

    A partner's role class comes from ``ROLE_CLASSES``; its territories, size (reps) and
    verticals are drawn from its type's stream, ``partners.setup.<type>`` at the start and
    ``recruitment.<type>`` later, so that more partners of one type leave every other type's
    draws unchanged (common random numbers across partner counts).

    Args:
        model: The channel model (partners are Mesa agents of it).
    """

    def __init__(self, model: ChannelModel) -> None:
        self.model = model
        self._count: dict[str, int] = dict.fromkeys(PARTNER_TYPES, 0)
        self._weights = np.array(list(model.config.market.territories.values()), dtype=np.float64)

    def create_initial(self) -> None:
        """Create every type's initial partners, then link resellers to distributors."""
        sc = self.model.config
        for ptype in PARTNER_TYPES:
            params = sc.partners.of(ptype)
            if params.count == 0 or ptype not in ROLE_CLASSES:
                continue
            rng = self.model.streams.get(f"partners.setup.{ptype}")
            exclusive = sc.program.exclusivity.get(ptype, "open") == "exclusive"
            holders = sc.program.exclusivity_holders.get(ptype, 1)
            masks = assign_territories(
                params.count, self._weights, params.territories_each, exclusive, holders, rng
            )
            for mask in masks:
                self.add_partner(ptype, mask, exclusive, rng, onboarding=False)
        distributors = distributors_of(self.model.sellers)
        if distributors:
            for seller in list(self.model.sellers):
                two_tier = self.model.streams.get(f"partners.two_tier.{seller.kind}")
                link_reseller(seller, distributors, two_tier)

    def add_partner(
        self,
        ptype: str,
        territories: NDArray[np.bool_],
        exclusive: bool,
        rng: np.random.Generator,
        onboarding: bool,
    ) -> Partner:
        """Create one partner of a type and register it with the model.

        Args:
            ptype: Its partner type.
            territories: The territories it covers.
            exclusive: Whether it holds exclusivity there.
            rng: The stream its verticals and size are drawn from.
            onboarding: Whether it onboards first (a SimPy process) or is active at once.
        """
        model = self.model
        params = model.config.partners.of(ptype)
        n_vert = len(model.population.vertical_names)
        if params.verticals_each is None:
            verticals = np.ones(n_vert, dtype=bool)
        else:
            verticals = np.zeros(n_vert, dtype=bool)
            verticals[rng.choice(n_vert, size=params.verticals_each, replace=False)] = True
        size = float(np.exp(params.weight * rng.standard_normal() - params.weight**2 / 2))
        reps = max(1, round(params.reps * size)) if params.reps > 0 else 0
        self._count[ptype] += 1
        pid = f"{ptype}-{self._count[ptype]:03d}"
        cls = ROLE_CLASSES[ptype]
        partner = cls(model, pid, ptype, params, territories, verticals, reps, exclusive)
        partner.onboarded_period = model.period
        if onboarding:
            partner.status = Status.ONBOARDING
            model.env.process(self._onboard(partner))
        model.add_seller(partner)
        return partner

    def _onboard(self, partner: Partner) -> Generator[simpy.Event, Any, None]:
        env = self.model.env
        yield env.timeout(
            self.model.config.recruitment.onboarding_months / self.model.period_months
        )
        if partner.status == Status.ONBOARDING:
            partner.status = Status.ACTIVE
            partner.onboarded_period = int(np.floor(env.now)) + 1

    def recruit(self) -> None:
        """Recruit partners of each type up to its target count (at most a few per period).

        Exclusive types recruit only into territories with a free exclusive place.
        """
        model = self.model
        sc = model.config
        if not sc.recruitment.enabled:
            return
        # Live (active or onboarding) partners per type, from the seller-state columns.
        type_code = model.seller_arrays.partner_type
        live_mask = model.seller_state.live[: len(type_code)] & (type_code >= 0)
        live_counts = np.bincount(type_code[live_mask], minlength=len(PARTNER_TYPES)).tolist()
        distributors: list[Distributor] | None = None
        for code, ptype in enumerate(PARTNER_TYPES):
            params = sc.partners.of(ptype)
            if params.count == 0 or ptype not in ROLE_CLASSES:
                continue
            gap = min(params.count - live_counts[code], sc.recruitment.max_per_month)
            if gap <= 0:
                continue
            if distributors is None:
                distributors = distributors_of(model.sellers)
            live = [model.sellers[i] for i in np.flatnonzero(live_mask & (type_code == code))]
            self._recruit_type(
                ptype, gap, live, distributors, model.streams.get(f"recruitment.{ptype}")
            )

    def _recruit_type(
        self,
        ptype: str,
        gap: int,
        live: list[Any],
        distributors: list[Distributor],
        rng: np.random.Generator,
    ) -> None:
        """Recruit up to ``gap`` partners of one type (``live``: its live partners)."""
        model = self.model
        sc = model.config
        weights = self._weights
        params = sc.partners.of(ptype)
        exclusive = sc.program.exclusivity.get(ptype, "open") == "exclusive"
        holders = sc.program.exclusivity_holders.get(ptype, 1)
        for _ in range(max(gap, 0)):
            if exclusive:
                counts = (
                    np.sum([s.territories for s in live], axis=0)
                    if live
                    else np.zeros(len(weights))
                )
                terr = free_exclusive_territory(
                    np.asarray(counts, dtype=np.int64), holders, weights
                )
                if terr is None:
                    break
                mask = np.zeros(len(weights), dtype=bool)
                mask[terr] = True
            else:
                mask = assign_territories(1, weights, params.territories_each, False, 1, rng)[0]
            partner = self.add_partner(ptype, mask, exclusive, rng, onboarding=True)
            live.append(partner)
            link_reseller(partner, distributors, rng)  # drawn from the recruitment stream
            model.open_desk(partner)
            model.vendor_costs_period["fees"] += sc.recruitment.cost_per_partner
