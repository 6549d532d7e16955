"""The model's vocabulary, declared once: channels, partner types, segments, tiers, conflict rules.

Every other module (the schema and its checks, the engine, the metrics, the outputs, the plots,
the KPIs) takes these names from here. The module imports nothing heavy (only the standard
library), so that the scenario schema and the command line can read it cheaply.

A conflict rule is declared here by name with its meaning (SPEC §2.5); the ones the engine
implements are :data:`IMPLEMENTED_CONFLICT_RULES`, each registered as a function in
:mod:`sim.program.conflict`. The schema accepts every rule named here; validation refuses the
unimplemented ones ("not implemented yet").
"""

from __future__ import annotations

from enum import StrEnum

DIRECT = "direct"
"""The channel code of the vendor's own sales (direct reps, the online store)."""

CHANNEL_LABELS: dict[str, str] = {
    DIRECT: "Direct",
    "distributor": "Distributor",
    "var": "VAR",
    "si": "SI",
    "msp": "MSP",
    "affiliate": "Affiliate",
    "oem": "OEM",
    "isv": "ISV",
    "alliance": "Alliance",
    "broker": "Broker",
}
"""Every channel's code and readable label: direct first, then every partner type, in the order
used for columns (and the stacking order of plots)."""

CHANNELS: tuple[str, ...] = tuple(CHANNEL_LABELS)
"""The vendor's own sales, then every partner type: the channels revenue is reported by."""

PARTNER_TYPES: tuple[str, ...] = CHANNELS[1:]
"""Every partner type of the schema, in the order used for columns."""

ROLE_MODULES: dict[str, str] = {
    "distributor": "sim.agents.distributor:Distributor",
    "var": "sim.agents.var:ValueAddedReseller",
    "si": "sim.agents.si:SystemIntegrator",
    "msp": "sim.agents.msp:ManagedServiceProvider",
    "affiliate": "sim.agents.affiliate:Affiliate",
    "oem": "sim.agents.oem:Oem",
    "isv": "sim.agents.isv:Isv",
    "alliance": "sim.agents.alliance:Alliance",
    "broker": "sim.agents.broker:Broker",
}
"""The implemented partner roles: type name → the class that plays it, as ``module:Class``.

This is the one registration of a role: adding one (say ``oem``) means writing its module in
``sim/agents/`` and adding its line here. The classes are imported by
:data:`sim.agents.ROLE_CLASSES` when the model is built, so that validating a scenario does not
import Mesa.
"""

IMPLEMENTED_PARTNER_TYPES: frozenset[str] = frozenset(ROLE_MODULES)
"""Partner types the model implements; a positive count of any other is "not implemented yet"."""

SEGMENTS: tuple[str, ...] = ("smb", "mid", "enterprise")
"""Customer segments, in index order."""

TIERS: tuple[str, ...] = ("registered", "silver", "gold", "platinum")
"""Partner program tiers, lowest first (the timeseries has one ``partners_tier_<tier>`` column
per tier; industry.md §4.2: typically Registered → Silver → Gold → Platinum). A scenario's
``program.tiers`` lists the ones its program has; every partner is ``registered`` until the
program has more tiers."""


class ConflictRule(StrEnum):
    """Named channel-conflict rules (SPEC §2.5): which sellers that reach an account may bid.

    The schema accepts every member; :data:`IMPLEMENTED_CONFLICT_RULES` says which ones run.
    """

    FREE_FOR_ALL = "free_for_all"
    """Every seller that reaches the account bids."""
    REGISTERED_WINS = "registered_wins"
    """The registered partner is protected; direct and other partners stand down."""
    NAMED_ACCOUNTS = "named_accounts"
    """Direct reps sell only named accounts (``program.conflict.named_segments``, default the
    enterprise segment), partners everything else."""
    PARTNER_FIRST = "partner_first"
    """Direct reps stand down wherever a partner bids: they sell only where no partner does."""
    CHANNEL_NEUTRAL = "channel_neutral"
    """Direct reps are paid on partner deals and assist instead of competing."""


IMPLEMENTED_CONFLICT_RULES: frozenset[ConflictRule] = frozenset(
    {
        ConflictRule.FREE_FOR_ALL,
        ConflictRule.PARTNER_FIRST,
        ConflictRule.NAMED_ACCOUNTS,
        ConflictRule.REGISTERED_WINS,
        ConflictRule.CHANNEL_NEUTRAL,
    }
)
"""Conflict rules the engine implements (each registered in :mod:`sim.program.conflict`); a
scenario naming any other is refused at validation as "not implemented yet"."""


class LeadRoutingPolicy(StrEnum):
    """Named lead-routing policies (SPEC §2.5): which covering partner gets a vendor lead.

    Each is a registered function in :mod:`sim.program.lead_routing`.
    """

    GEOGRAPHIC = "geographic"
    """A partner covering the account's territory, drawn uniformly."""
    ROUND_ROBIN = "round_robin"
    """The partners covering the territory in turn (a rotating pointer per territory)."""
    TIER_WEIGHTED = "tier_weighted"
    """Drawn with probability proportional to each partner's lead priority (its tier's)."""
    PERFORMANCE = "performance"
    """Drawn with probability proportional to each partner's trailing win rate."""
    CAPACITY = "capacity"
    """The partner with the most free desk capacity."""
