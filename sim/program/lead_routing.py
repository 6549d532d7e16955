"""Lead-routing policies: which covering partner a vendor lead is offered to, and reassignment.

Each policy is a pure function registered by name (the names are
:class:`~sim.names.LeadRoutingPolicy`); a scenario picks one with
``program.lead_routing.policy``. A policy sees a (leads, partners) mask of the partners that may
take each lead, one uniform draw per lead and :class:`RoutingInputs` (per-partner weights,
free capacity, when each was last served), and returns the column chosen for each lead (-1
when it has no candidate). :func:`assign_leads` offers each lead in turn to the policy's choice,
lets the partner accept or refuse it, and offers a refused lead to the next candidate under the
same policy, up to ``max_reassignments`` times. Everything here is a function of plain arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.names import LeadRoutingPolicy

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class RoutingInputs:
    """What a policy may look at besides the candidates and the draws.

    Attributes:
        priority: Per partner column, its lead priority (``tier_weighted``).
        win_rate: Per partner column, its trailing win rate (``performance``).
        free: Per partner column, its free desk capacity as a share of its slots in [0, 1]
            (``capacity``).
        served: Per partner column, when it was last offered a lead, on any increasing scale
            (``round_robin``; lower: longer ago).
    """

    priority: FloatArray
    win_rate: FloatArray
    free: FloatArray
    served: FloatArray


PolicyFn = Callable[[BoolArray, FloatArray, RoutingInputs], IntArray]

_POLICIES: dict[str, PolicyFn] = {}


def register(name: str) -> Callable[[PolicyFn], PolicyFn]:
    """Register a lead-routing policy under a name of :class:`~sim.names.LeadRoutingPolicy`.

    Args:
        name: The policy's name as scenarios spell it.

    Returns:
        A decorator that registers the function and returns it unchanged.

    Raises:
        ValueError: The name is not declared, or it is registered already.
    """
    if name not in set(LeadRoutingPolicy):
        raise ValueError(f"lead-routing policy {name!r} is not declared in sim.names")
    if name in _POLICIES:
        raise ValueError(f"lead-routing policy {name!r} is registered already")

    def deco(fn: PolicyFn) -> PolicyFn:
        _POLICIES[str(name)] = fn
        return fn

    return deco


def get_policy(name: str) -> PolicyFn:
    """Look a policy up by name.

    Raises:
        KeyError: With the list of known policies, when the name is unknown.
    """
    try:
        return _POLICIES[name]
    except KeyError:
        raise KeyError(
            f"unknown lead-routing policy {name!r}; known: {', '.join(known_policies())}"
        ) from None


def known_policies() -> list[str]:
    """Names of the registered policies, sorted."""
    return sorted(_POLICIES)


def uniform_pick(cand: BoolArray, u: FloatArray) -> IntArray:
    """The ``floor(u · n)``-th candidate of each row in column order (-1 for an empty row).

    Args:
        cand: (leads, partners) candidates.
        u: One uniform draw in [0, 1) per lead.
    """
    if not cand.shape[1]:
        return np.full(cand.shape[0], -1, dtype=np.int64)
    n = cand.sum(axis=1)
    k = np.minimum((u * n).astype(np.int64), np.maximum(n - 1, 0))
    rank = np.cumsum(cand, axis=1) - 1
    col = np.argmax(cand & (rank == k[:, None]), axis=1)
    picked: IntArray = np.where(n > 0, col, -1).astype(np.int64)
    return picked


def weighted_pick(cand: BoolArray, u: FloatArray, weight: FloatArray) -> IntArray:
    """A candidate of each row drawn with probability proportional to its weight.

    A row whose candidates all weigh 0 picks uniformly among them; an empty row gives -1.

    Args:
        cand: (leads, partners) candidates.
        u: One uniform draw in [0, 1) per lead.
        weight: Per partner column, a weight ≥ 0.
    """
    if not cand.shape[1]:
        return np.full(cand.shape[0], -1, dtype=np.int64)
    w = np.where(cand, np.maximum(weight, 0.0)[None, :], 0.0)
    w = np.where((w.sum(axis=1) <= 0.0)[:, None] & cand, 1.0, w)
    cum = np.cumsum(w, axis=1)
    total = cum[:, -1]
    hit = cum > (u * total)[:, None]
    # Rounding could leave u · total at the total: the last candidate then.
    last = cand.shape[1] - 1 - np.argmax(cand[:, ::-1], axis=1)
    col = np.where(hit.any(axis=1), np.argmax(hit, axis=1), last)
    picked: IntArray = np.where(cand.any(axis=1), col, -1).astype(np.int64)
    return picked


@register(LeadRoutingPolicy.GEOGRAPHIC)
def geographic(cand: BoolArray, u: FloatArray, inputs: RoutingInputs) -> IntArray:
    """A partner covering the account, drawn uniformly (the ``floor(u · n)``-th in seller order)."""
    return uniform_pick(cand, u)


@register(LeadRoutingPolicy.ROUND_ROBIN)
def round_robin(cand: BoolArray, u: FloatArray, inputs: RoutingInputs) -> IntArray:
    """Partners take turns: each lead goes to its candidate that was served longest ago.

    ``inputs.served`` holds when each partner was last offered a lead (lower: longer ago; ties
    go to the lower seller index). Leads are served in batch order, each one's turn moving
    the partner it went to to the back of the line, so partners covering the same accounts
    get leads in turn, and a partner that does not cover a lead does not hand its turn to its
    neighbour. The loop runs over the batch's leads, which are few (the lead budget over the
    cost per lead), each step over the partners.
    """
    served = inputs.served.astype(np.float64).copy()
    picked = np.full(cand.shape[0], -1, dtype=np.int64)
    clock = float(served.max(initial=0.0))
    for i in range(cand.shape[0]):  # sequential by nature: each turn depends on the last
        cols = np.flatnonzero(cand[i])
        if len(cols):
            j = int(cols[np.argmin(served[cols])])
            picked[i] = j
            clock += 1.0
            served[j] = clock
    return picked


@register(LeadRoutingPolicy.TIER_WEIGHTED)
def tier_weighted(cand: BoolArray, u: FloatArray, inputs: RoutingInputs) -> IntArray:
    """A candidate drawn with probability proportional to its lead priority."""
    return weighted_pick(cand, u, inputs.priority)


@register(LeadRoutingPolicy.PERFORMANCE)
def performance(cand: BoolArray, u: FloatArray, inputs: RoutingInputs) -> IntArray:
    """A candidate drawn with probability proportional to its trailing win rate."""
    return weighted_pick(cand, u, inputs.win_rate)


@register(LeadRoutingPolicy.CAPACITY)
def capacity(cand: BoolArray, u: FloatArray, inputs: RoutingInputs) -> IntArray:
    """The candidate with the most free desk capacity; ties drawn uniformly."""
    free = np.where(cand, inputs.free[None, :], -np.inf)
    best = free.max(axis=1, initial=-np.inf)
    return uniform_pick(cand & (free >= best[:, None] - 1e-12), u)


def acceptance_probability(
    commitment: FloatArray, free: FloatArray, timeout_days: float, response_days: float
) -> FloatArray:
    """Chance that a partner accepts a lead within the acceptance timeout.

    A partner takes up a lead at the rate ``commitment · free / response_days`` per day (a
    fully committed partner with a free desk takes ``response_days`` on average); it accepts
    when it does so before the timeout: ``p = 1 − exp(−timeout · commitment · free /
    response_days)`` (an assumption).

    Args:
        commitment: Per partner, its commitment in [0, 1].
        free: Per partner, its free desk capacity as a share of its slots, in [0, 1].
        timeout_days: ``program.lead_routing.acceptance_timeout_days``.
        response_days: ``program.lead_routing.response_days``.
    """
    rate = np.clip(commitment, 0.0, 1.0) * np.clip(free, 0.0, 1.0) / response_days
    p: FloatArray = 1.0 - np.exp(-timeout_days * rate)
    return p


@dataclass(frozen=True)
class AssignDraws:
    """The uniform draws of one batch of leads.

    Attributes:
        first: (leads,) the draw of the first offer (the ``leads`` stream).
        again: (leads, max_reassignments) the draws of the later offers (``leads.routing``).
        accept: (leads, max_reassignments + 1) the acceptance draws (``leads.acceptance``), or
            None when every partner accepts every lead (no acceptance step).
    """

    first: FloatArray
    again: FloatArray
    accept: FloatArray | None


@dataclass(frozen=True)
class Assignment:
    """Where each lead of a batch went.

    Attributes:
        first: Per lead, the column it was first offered to (-1: no candidate).
        taker: Per lead, the column that accepted it (-1: none did).
        reassigned: Per lead, how many times it was offered to another partner after a refusal.
    """

    first: IntArray
    taker: IntArray
    reassigned: IntArray


def assign_leads(
    cand: BoolArray,
    policy: PolicyFn,
    inputs: RoutingInputs,
    draws: AssignDraws,
    accept_p: FloatArray | None,
) -> Assignment:
    """Offer each lead to the policy's choice; offer a refused lead to the next candidate.

    A lead is offered at most ``1 + draws.again.shape[1]`` times. The partner offered it
    accepts when its acceptance draw falls under ``accept_p`` of its column (always, when
    ``accept_p`` is None); a partner that refused a lead is no longer a candidate for it.

    Args:
        cand: (leads, partners) the partners that may take each lead.
        policy: The routing policy.
        inputs: The policy's inputs.
        draws: The batch's uniform draws.
        accept_p: Per partner column, its chance to accept a lead in time, or None.

    Returns:
        The first offer, the taker and the reassignments of each lead.
    """
    n = cand.shape[0]
    cand = cand.copy()
    first = policy(cand, draws.first, inputs)
    taker = np.full(n, -1, dtype=np.int64)
    reassigned = np.zeros(n, dtype=np.int64)
    offered, rows = first, np.arange(n)
    for attempt in range(draws.again.shape[1] + 1):
        if attempt:
            rows = rows[cand[rows].any(axis=1)]  # refused leads with a candidate left
            offered = policy(cand[rows], draws.again[rows, attempt - 1], inputs)
            reassigned[rows] += 1
        ok = offered >= 0
        rows, offered = rows[ok], offered[ok]
        if accept_p is None or draws.accept is None:
            yes = np.ones(len(rows), dtype=bool)
        else:
            yes = draws.accept[rows, attempt] < accept_p[offered]
        taker[rows[yes]] = offered[yes]
        cand[rows[~yes], offered[~yes]] = False
        rows = rows[~yes]
        if not len(rows):
            break
    return Assignment(first=first, taker=taker, reassigned=reassigned)
