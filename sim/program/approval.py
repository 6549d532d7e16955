"""Deal registration's approval policies and the round that registers one batch's bids.

A partner that reaches an opportunity registers its account before the account chooses
(:class:`RegistrationRound`, called by :func:`~sim.sales.offers.choose` block by block); the
vendor reviews each submission under ``program.deal_registration.approval``
(:func:`eligible`) and the register's state machine (:mod:`sim.program.registration`) records
the outcome (:func:`register_round`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.program.registration import BidRegistrations, Register, RegistrationTerms, Status
from sim.scenario.schema import RegistrationApproval, SecondRegistrant

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Submissions:
    """Partner bids on a batch's opportunities, each a candidate registration.

    Attributes:
        opp: The bid's opportunity (index in the batch).
        account: Its account.
        partner: The bidding partner (seller index).
        lead: Whether the opportunity is the partner's routed lead.
        size: The deal's size (first-year list amount).
        tier: The partner's tier (index into :data:`~sim.names.TIERS`).
        protection: Periods the partner's registration protects (its tier's benefit), or None
            for the program's ``protection_months``.
    """

    opp: IntArray
    account: IntArray
    partner: IntArray
    lead: BoolArray
    size: FloatArray
    tier: IntArray
    protection: FloatArray | None = None


def eligible(register: Register, terms: RegistrationTerms, subs: Submissions) -> BoolArray:
    """Whether the approval policy approves each submission, leaving second registrants aside.

    ``automatic`` and ``first_come`` approve every one; ``proof_of_engagement`` those of a
    partner that has worked the account (bid on it in an earlier period, or it is the partner's
    routed lead); ``auto_below_size`` those below the partner's tier's size, and above it only
    with proof of engagement.

    Args:
        register: The register (who worked which account).
        terms: The registration terms.
        subs: The submissions.
    """
    approval = terms.approval
    if approval in (RegistrationApproval.AUTOMATIC, RegistrationApproval.FIRST_COME):
        return np.ones(len(subs.opp), dtype=bool)
    engaged = subs.lead | register.worked(subs.account, subs.partner)
    if approval == RegistrationApproval.PROOF_OF_ENGAGEMENT:
        return engaged
    small: BoolArray = subs.size < terms.auto_below[subs.tier]
    return small | engaged


def register_round(
    register: Register,
    terms: RegistrationTerms,
    subs: Submissions,
    period: int,
    rng: np.random.Generator,
) -> IntArray:
    """Submit, review and protect the registrations of a batch's partner bids.

    A partner already holding its account's protection does not submit again. The others submit
    in a random order within each opportunity (one draw each); the first the policy approves on
    an account nobody holds is protected for the protection periods; every later approved one is
    a second registrant: under ``automatic`` approved with the full extra discount, otherwise
    rejected or (``reduced_discount``) approved at the reduced share, never protected.

    Args:
        register: The register (updated).
        terms: The registration terms.
        subs: The partner bids.
        period: The current period.
        rng: The ``registration.order`` stream.

    Returns:
        The live registration behind each bid (its holder's, or its approved new one), or -1.
    """
    h = register.holder[subs.account]
    holder_partner = np.where(h >= 0, register.cols["partner"][np.maximum(h, 0)], -1)
    reg = np.where(holder_partner == subs.partner, h, -1)
    new = np.flatnonzero(holder_partner != subs.partner)
    order = new[np.lexsort((rng.random(len(new)), subs.opp[new]))]
    ids = register.submit(subs.account[order], subs.partner[order], period)
    ok = eligible(register, terms, subs)[order]
    candidates = np.flatnonzero(ok & (holder_partner[order] < 0))
    _, first_at = np.unique(subs.opp[order][candidates], return_index=True)
    first = np.zeros(len(order), dtype=bool)
    first[candidates[first_at]] = True
    automatic = terms.approval == RegistrationApproval.AUTOMATIC
    reduced = terms.second_registrant == SecondRegistrant.REDUCED_DISCOUNT
    approved = first | (ok & (automatic or reduced))
    share = np.where(first | automatic, 1.0, terms.second_share)
    register.review(ids, approved, share)
    length = terms.protection_periods if subs.protection is None else subs.protection[order]
    register.protect(ids[first], period + np.broadcast_to(length, len(order))[first])
    reg[order] = np.where(approved, ids, -1)
    return reg


@dataclass
class RegistrationRound:
    """One batch's registrations, made block by block as the offers are drawn.

    :func:`~sim.sales.offers.choose` calls it with each block's bids before the conflict rule;
    it registers the partner bids and answers which seller holds each opportunity's account.

    Attributes:
        register: The run's register.
        terms: The registration terms.
        account: Account of each opportunity of the batch.
        owner: Seller each opportunity's lead was routed to, or -1.
        size: Deal size of each opportunity (first-year list amount).
        tier: Tier index of each seller.
        protection: Periods each seller's registrations protect (its tier's benefit).
        is_partner: Whether each seller is a partner (the vendor's channels do not register).
        period: The current period.
        rng: The ``registration.order`` stream.
    """

    register: Register
    terms: RegistrationTerms
    account: IntArray
    owner: IntArray
    size: FloatArray
    tier: IntArray
    protection: FloatArray
    is_partner: BoolArray
    period: int
    rng: np.random.Generator
    submitted: int = 0
    """Registrations submitted so far this period."""
    approved: int = 0
    """… of which approved (protected, or approved as second registrants)."""
    _opp: list[IntArray] = field(default_factory=list)
    _reg: list[IntArray] = field(default_factory=list)

    def __call__(self, idx: IntArray, opp: IntArray, seller: IntArray) -> IntArray:
        """Register a block's partner bids.

        Args:
            idx: The block's opportunities.
            opp: Each bid's opportunity (index in the batch).
            seller: Each bid's seller.

        Returns:
            Per opportunity of the block, the seller holding its account's protection, or -1.
        """
        part = self.is_partner[seller]
        opp, seller = opp[part], seller[part]
        subs = Submissions(
            opp,
            self.account[opp],
            seller,
            self.owner[opp] == seller,
            self.size[opp],
            self.tier[seller],
            self.protection[seller],
        )
        before = self.register.size
        reg = register_round(self.register, self.terms, subs, self.period, self.rng)
        self.submitted += self.register.size - before
        status = self.register["status"][before:]
        self.approved += int(np.count_nonzero(status != Status.REJECTED))
        self.register.mark_worked(subs.account, subs.partner)
        live = reg >= 0
        self._opp.append(opp[live])
        self._reg.append(reg[live])
        return self.holders()[idx]

    def holders(self) -> IntArray:
        """Per opportunity of the batch, the seller holding its account's protection, or -1."""
        h = self.register.holder[self.account]
        held: IntArray = np.where(h >= 0, self.register.cols["partner"][np.maximum(h, 0)], -1)
        return held

    def bids(self) -> BidRegistrations:
        """The live registration behind each partner bid registered so far."""
        empty = np.zeros(0, dtype=np.int64)
        return BidRegistrations(
            np.concatenate([empty, *self._opp]), np.concatenate([empty, *self._reg])
        )
