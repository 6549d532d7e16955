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
        is_direct: Per seller column, whether it is the vendor's own channel.
        is_partner: Per seller column, whether it is a partner.
    """

    is_direct: NDArray[np.bool_]
    is_partner: NDArray[np.bool_]


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


def conflict_mask(bids: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Opportunities in conflict: two or more sellers bid.

    Args:
        bids: (opportunities, sellers) mask of bids.

    Returns:
        One flag per opportunity.
    """
    return np.asarray(bids.sum(axis=1) >= 2)
