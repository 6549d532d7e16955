"""Channel-conflict rules: which of the sellers that can reach an opportunity may bid.

Each rule is a pure function registered by name; a scenario picks one by name. The names and
which of them are implemented are declared in :mod:`sim.names` (:class:`~sim.names.ConflictRule`,
:data:`~sim.names.IMPLEMENTED_CONFLICT_RULES`), which the schema and its validation read too: a
rule is registered here only under a name declared implemented there, and the rules declared but
not implemented are refused at validation ("not implemented yet").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.names import IMPLEMENTED_CONFLICT_RULES, ConflictRule


@dataclass(frozen=True)
class ConflictContext:
    """What a rule may look at, for one batch of opportunities.

    Attributes:
        is_direct: Per seller column, whether it is the vendor's own channel (reps or store).
        is_partner: Per seller column, whether it is a partner.
        is_reps: Per seller column, whether it is the vendor's direct reps (None: every
            vendor channel counts as reps).
        named: Per opportunity row, whether its account is a named account the direct reps
            own (None: no named accounts).
        protected: Per opportunity row, the seller column whose approved deal registration
            protects the account, or -1 (None: no registrations).
    """

    is_direct: NDArray[np.bool_]
    is_partner: NDArray[np.bool_]
    is_reps: NDArray[np.bool_] | None = None
    named: NDArray[np.bool_] | None = None
    protected: NDArray[np.int64] | None = None

    def reps(self) -> NDArray[np.bool_]:
        """Per seller column, the direct reps."""
        return self.is_direct if self.is_reps is None else self.is_reps

    def named_rows(self, n_rows: int) -> NDArray[np.bool_]:
        """Per opportunity row, whether it is a named account."""
        return np.zeros(n_rows, dtype=bool) if self.named is None else self.named

    def protected_rows(self, n_rows: int) -> NDArray[np.int64]:
        """Per opportunity row, the protected seller column or -1."""
        if self.protected is None:
            return np.full(n_rows, -1, dtype=np.int64)
        return self.protected


ConflictRuleFn = Callable[[NDArray[np.bool_], ConflictContext], NDArray[np.bool_]]

_RULES: dict[str, ConflictRuleFn] = {}


def register(name: str) -> Callable[[ConflictRuleFn], ConflictRuleFn]:
    """Register a conflict rule under a name.

    Args:
        name: The rule's name as scenarios spell it.

    Returns:
        A decorator that registers the function and returns it unchanged.

    Raises:
        ValueError: The name is not a :class:`~sim.names.ConflictRule` declared implemented in
            :data:`~sim.names.IMPLEMENTED_CONFLICT_RULES`, or it is registered already.
    """
    if name not in IMPLEMENTED_CONFLICT_RULES:
        declared = "implemented" if name in set(ConflictRule) else "declared"
        raise ValueError(
            f"conflict rule {name!r} is not {declared} in sim.names; declare it there first"
        )
    if name in _RULES:
        raise ValueError(f"conflict rule {name!r} is registered already")

    def deco(fn: ConflictRuleFn) -> ConflictRuleFn:
        _RULES[name] = fn
        return fn

    return deco


def get_rule(name: str) -> ConflictRuleFn:
    """Look a rule up by name.

    Args:
        name: The rule's name.

    Returns:
        The rule function.

    Raises:
        KeyError: With the list of known rules, when the name is unknown.
    """
    try:
        return _RULES[name]
    except KeyError:
        raise KeyError(
            f"unknown conflict rule {name!r}; known: {', '.join(sorted(_RULES))}"
        ) from None


def known_rules() -> list[str]:
    """Names of the implemented rules, sorted."""
    return sorted(_RULES)


@register("free_for_all")
def free_for_all(can_reach: NDArray[np.bool_], ctx: ConflictContext) -> NDArray[np.bool_]:
    """Every seller that can reach the account bids.

    Args:
        can_reach: (opportunities, sellers) mask of sellers able and willing to bid.
        ctx: Seller roles (unused by this rule).

    Returns:
        The same mask: nobody stands down.
    """
    return can_reach


@register("partner_first")
def partner_first(can_reach: NDArray[np.bool_], ctx: ConflictContext) -> NDArray[np.bool_]:
    """The direct reps stand down wherever a partner bids: they sell only where none does.

    The online store is not affected (an account that buys online still may).

    Args:
        can_reach: (opportunities, sellers) mask of sellers able and willing to bid.
        ctx: Seller roles.

    Returns:
        The mask without the reps' bids on opportunities a partner bid on.
    """
    partner_bid = (can_reach & ctx.is_partner[None, :]).any(axis=1)
    may: NDArray[np.bool_] = can_reach & ~(partner_bid[:, None] & ctx.reps()[None, :])
    return may


@register("named_accounts")
def named_accounts(can_reach: NDArray[np.bool_], ctx: ConflictContext) -> NDArray[np.bool_]:
    """The direct reps own the named accounts; partners sell every other account.

    On a named account partners stand down; elsewhere the reps do. The online store is not
    affected.

    Args:
        can_reach: (opportunities, sellers) mask of sellers able and willing to bid.
        ctx: Seller roles and which opportunities are named accounts.

    Returns:
        The mask with partners' bids on named accounts and the reps' bids elsewhere removed.
    """
    named = ctx.named_rows(can_reach.shape[0])[:, None]
    stands_down = np.where(named, ctx.is_partner[None, :], ctx.reps()[None, :])
    may: NDArray[np.bool_] = can_reach & ~stands_down
    return may


@register("registered_wins")
def registered_wins(can_reach: NDArray[np.bool_], ctx: ConflictContext) -> NDArray[np.bool_]:
    """The partner holding an approved registration on the account sells it alone.

    Where the protected partner bids, every other seller stands down: the direct reps, other
    partners and the online store (the vendor sends the account's online purchase to the
    registered partner). Where no registration protects the account, or its holder does not
    bid, everyone that can reach the account bids.

    Args:
        can_reach: (opportunities, sellers) mask of sellers able and willing to bid.
        ctx: Seller roles and the protected seller column of each opportunity.

    Returns:
        The mask with only the protected partner's bid on protected opportunities it bids on.
    """
    n_rows = can_reach.shape[0]
    holder = ctx.protected_rows(n_rows)
    rows = np.flatnonzero(holder >= 0)
    rows = rows[can_reach[rows, holder[rows]]]
    may = can_reach.copy()
    may[rows] = False
    may[rows, holder[rows]] = True
    return may


@register("channel_neutral")
def channel_neutral(can_reach: NDArray[np.bool_], ctx: ConflictContext) -> NDArray[np.bool_]:
    """The direct reps do not bid where a partner bids: they assist it and are paid on its deal.

    The bids are those of ``partner_first``; the assistance (a utility bonus on the partners'
    offers where the reps stood down) and the reps' pay (a share of the partner deal's vendor
    net) are applied by the offers and the choice phase from the bids the reps gave up.

    Args:
        can_reach: (opportunities, sellers) mask of sellers able and willing to bid.
        ctx: Seller roles.

    Returns:
        The mask without the reps' bids on opportunities a partner bid on.
    """
    return partner_first(can_reach, ctx)


ASSISTING_RULES: frozenset[str] = frozenset({"channel_neutral"})
"""Rules under which the direct reps that stand down assist the partner and are paid on its
deal (``program.conflict.channel_neutral_*``)."""


def conflict_mask(bids: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Opportunities in conflict: two or more sellers bid.

    Args:
        bids: (opportunities, sellers) mask of bids.

    Returns:
        One flag per opportunity.
    """
    return np.asarray(bids.sum(axis=1) >= 2)
