"""The glossary ``docs/metrics.md``: the terms a newcomer trips on, then every KPI in words.

``python -m sim.analysis.glossary > docs/metrics.md`` rewrites the file from
:data:`TERMS` and the KPI registry (:data:`sim.analysis.kpi_registry.KPIS`); a test keeps it in
step. ``docs/kpis.md`` stays the compact table; this file explains.
"""

from __future__ import annotations

from typing import Final

from sim.analysis.kpi_registry import HIGHER, KPIS, LOWER, Kpi

TERMS: Final[tuple[tuple[str, str], ...]] = (
    (
        "`adoption` against `customers_active`",
        "`adoption` (timeseries column; `adoption_final` at the end of the run) is the share of "
        "*all* accounts in the market that have *ever* bought, a number between 0 and 1 that "
        "never falls: an account that churns still counts as adopted. `customers_active` is a "
        "count of the accounts that are paying *now* (state customer); it falls when customers "
        "churn (`customers_final` is its last value). A market can have high adoption and few "
        "active customers: that is churn, not slow diffusion. The Bass fits "
        "(`bass_*` KPIs) are fitted to adoption, the cumulative curve.",
    ),
    (
        "`conflict_rate` and its neighbours",
        "Channel conflict is counted per opportunity (an account evaluating a purchase). "
        "`conflict_rate` = opportunities on which the direct reps *and* at least one partner bid "
        "÷ opportunities on which at least one partner bid (`conflicts_direct` ÷ "
        "`opportunities_partner_bid`). Beside it, with the same denominator: "
        "`store_conflict_rate` (the online store and a partner both offered) and "
        "`partner_conflict_rate` (two or more partners bid). The three can overlap, so they do "
        "not add up. Each is undefined (– in tables, null in summary.json) when no partner bid.",
    ),
    (
        "Why CAC is n/a for some partners",
        "`cac_by_channel` is acquisition cost ÷ new customers won, per channel. A channel that "
        "won no new customer has no CAC: the division has nothing to divide by, so the value is "
        "undefined (shown as – in tables and n/a in prose, null in summary.json) rather than 0 "
        "or infinite. That is the case for partner types that do not close deals themselves "
        "(wholesale-only distributors, or any type that won nothing in the run); affiliates do "
        "get a CAC because a referred deal counts for the referring partner's type.",
    ),
    (
        "Units",
        "`currency` is the scenario's currency (`finance.currency`, USD by default), summed over "
        'the run unless the KPI says "at end". `share` is a fraction of 1, printed as a '
        "percentage; a difference between two shares is in percentage points (pp). `months` "
        "are calendar months. `customers` and `partners` are counts.",
    ),
    (
        "By channel, undefined, better",
        "A KPI *by channel* is a value per channel (direct, store and each partner type), "
        "written `name.channel` in tables and sweeps (e.g. `cac_by_channel.var`). An undefined "
        "KPI (a share of nothing, a fit that did not converge) is null in summary.json and – in "
        "tables. *Better* says which direction is good for the vendor; – means the KPI "
        "describes the run without a preferred direction.",
    ),
)
"""The glossary's explanations, in the order they appear: (term, explanation)."""

_BETTER_WORDS: Final = {HIGHER: "higher is better", LOWER: "lower is better", "": "descriptive"}


def _kpi_entry(kpi: Kpi) -> list[str]:
    scope = ", by channel" if kpi.by_channel else ""
    return [
        f"### `{kpi.name}` ({kpi.label})",
        "",
        f"{kpi.meaning[:1].upper()}{kpi.meaning[1:]}.",
        "",
        f"Unit: {kpi.unit}{scope}; {_BETTER_WORDS[kpi.better]}.",
        "",
    ]


def metrics_markdown() -> str:
    """The glossary as Markdown: ``docs/metrics.md``.

    Returns:
        The file's text: the terms of :data:`TERMS`, then one entry per KPI of the registry.
    """
    lines = [
        "# Metrics in words",
        "",
        "Generated from `sim/analysis/glossary.py` and the KPI registry "
        "(`python -m sim.analysis.glossary > docs/metrics.md`). The compact table is "
        "[kpis.md](kpis.md); the model behind each figure is in [model.md](model.md).",
        "",
        "## Terms a newcomer trips on",
        "",
    ]
    for term, text in TERMS:
        lines += [f"### {term}", "", text, ""]
    lines += ["## Every KPI", "", "In the order of `summary.json` and `comparison.csv`.", ""]
    for kpi in KPIS:
        lines += _kpi_entry(kpi)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(metrics_markdown(), end="")
