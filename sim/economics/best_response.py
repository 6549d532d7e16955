"""Resellers' best-response margins under the accounts' multinomial logit (logit–Bertrand).

Each price-setting seller ``j`` chooses one margin ``m_g`` per group ``g`` (a seller in one
territory × segment cell) against the sellers it meets there. An account ``i`` sees seller ``j``
with scaled utility ``V_ij = V0_ij − b_i · m_g`` (``b_i = scale · price_sensitivity_i /
budget_i``, per currency unit per seat-month) and buys from it with probability

    s_ij = E_ij / (E_ij + Σ_{k≠j} q_k E_ik + O_i),   E = exp(V),

where ``q_k`` is the chance seller ``k`` bids on the account (its expected presence) and ``O_i``
the sum of the outside options' ``exp`` (rival, no decision). The seller's profit per seat-month
of a sale is ``(1 + k_j) m + a_j``: the margin, services billed in proportion to the customer
price (``k_j`` per unit of price) and profit that does not depend on the price (``a_j``, e.g. a
managed fee). Maximising ``Σ_i w_i s_ij ((1 + k) m + a)`` over ``m`` (``w`` = seats) gives the
first-order condition

    m = Σ w s / Σ w b s (1 − s) − a / (1 + k),

which for one account and no attached profit is the textbook ``1 / (b (1 − s))``. The margins
are bounded by ``[0, upper]`` (never below the buy price, never above list) and found by damped
simultaneous best responses until no margin moves by more than the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class PricingGame:
    """One pricing game: every (account, seller) pair that may meet, as flat arrays.

    Attributes:
        account: Account of each pair (0 … n_accounts − 1).
        group: Price group of each pair (a price-setting seller in a cell), or -1 when the
            seller's price is fixed (direct, store, pass-through partners).
        v0: Scaled utility of each pair at zero margin (``scale · U`` with the seller's buy
            cost, fee and running cost in the price term).
        b: Scaled price coefficient of each pair's account (per currency unit).
        presence: Chance the pair's seller bids on the account, in [0, 1].
        weight: Seats of each pair's account.
        outside: Per account, the sum of ``exp`` of the outside options' scaled utilities.
        attached: Per group, profit per seat-month that does not depend on the price (a).
        services_per_price: Per group, services profit per unit of customer price (k).
        upper: Per group, the largest margin (the buy discount × list).
    """

    account: IntArray
    group: IntArray
    v0: FloatArray
    b: FloatArray
    presence: FloatArray
    weight: FloatArray
    outside: FloatArray
    attached: FloatArray
    services_per_price: FloatArray
    upper: FloatArray

    # What every round reuses, computed once per game.

    @cached_property
    def priced(self) -> IntArray:
        """Positions of the pairs whose seller sets its price here."""
        return np.flatnonzero(self.group >= 0)

    @cached_property
    def priced_group(self) -> IntArray:
        """The group of each priced pair."""
        return self.group[self.priced]

    @cached_property
    def priced_b(self) -> FloatArray:
        """The price coefficient of each priced pair."""
        return self.b[self.priced]

    @cached_property
    def priced_w(self) -> FloatArray:
        """The seats of each priced pair's account."""
        return self.weight[self.priced]

    @cached_property
    def absent(self) -> FloatArray:
        """``1 − presence`` of each pair (its own presence counted as certain)."""
        return 1.0 - self.presence

    @cached_property
    def shift(self) -> FloatArray:
        """Per group, ``a / (1 + k)``: what attached profit takes off the margin."""
        return self.attached / (1.0 + self.services_per_price)


@dataclass(frozen=True)
class Equilibrium:
    """Margins after the damped best-response iteration.

    Attributes:
        margins: Margin of each group (currency per seat-month).
        iterations: Best-response rounds run.
        converged: Whether the last round moved no margin by more than the tolerance.
    """

    margins: FloatArray
    iterations: int
    converged: bool


def choice_shares(game: PricingGame, margins: FloatArray) -> FloatArray:
    """Each pair's choice probability given that its seller bids, at the given margins.

    Args:
        game: The pricing game.
        margins: Margin of each group.

    Returns:
        ``s_ij`` of each pair (the seller's own presence is taken as certain).
    """
    v = game.v0.copy()
    v[game.priced] -= game.priced_b * margins[game.priced_group]
    e = np.exp(v)
    n_accounts = len(game.outside)
    rivals = np.bincount(game.account, weights=game.presence * e, minlength=n_accounts)
    denominator = (rivals + game.outside)[game.account] + e * game.absent
    shares: FloatArray = e / denominator
    return shares


def best_responses(game: PricingGame, margins: FloatArray) -> FloatArray:
    """Every group's best-response margin to the others' current margins.

    Args:
        game: The pricing game.
        margins: Current margin of each group.

    Returns:
        The bounded best-response margins (a group with no account keeps its margin).
    """
    sp = choice_shares(game, margins)[game.priced]
    group = game.priced_group
    n_groups = len(margins)
    ws = game.priced_w * sp
    num = np.bincount(group, weights=ws, minlength=n_groups)
    den = np.bincount(group, weights=ws * game.priced_b * (1.0 - sp), minlength=n_groups)
    foc = np.divide(num, den, out=margins.copy(), where=den > 0)
    foc = np.where(den > 0, foc - game.shift, foc)
    response: FloatArray = np.clip(foc, 0.0, game.upper)
    return response


def solve_margins(
    game: PricingGame,
    start: FloatArray,
    damping: float = 0.5,
    tolerance: float = 1e-6,
    max_rounds: int = 200,
) -> Equilibrium:
    """Damped simultaneous best responses from ``start`` until the margins settle.

    Each round moves every margin a share ``damping`` of the way to its best response.

    Args:
        game: The pricing game.
        start: Margins to start from (e.g. the last review's).
        damping: Share of the step to the best response taken each round, in (0, 1].
        tolerance: Largest margin change (currency per seat-month) counted as settled.
        max_rounds: Rounds at most.

    Returns:
        The margins, the rounds run and whether they settled.
    """
    margins = np.clip(np.asarray(start, dtype=np.float64), 0.0, game.upper)
    for rounds in range(1, max_rounds + 1):
        step = damping * (best_responses(game, margins) - margins)
        margins = margins + step
        if not len(step) or float(np.abs(step).max()) <= tolerance:
            return Equilibrium(margins, rounds, True)
    return Equilibrium(margins, max_rounds, False)
