"""Does a design pay? The vendor's money and the partners' profit, as paired differences.

A program lever pays the vendor when it raises the vendor's contribution (net revenue minus
every vendor cost): the extra net revenue it brings has to outweigh the discounts it gives away
and what the program costs. It pays the partners when it raises their profit. This module reads
those lines of a comparison table (``comparison.csv``, :func:`sim.compare.comparison_table`) for
one design against the reference, and says in one sentence what the comparison shows, with the
95 % confidence interval of each paired difference and in how many replications it was higher.

It reads a table only, so it is testable on a hand-made one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.analysis.kpi_registry import delta_unit, format_value

MONEY_LINES: tuple[tuple[str, str], ...] = (
    ("revenue_total", "net revenue"),
    ("discount_cost_total", "discounts given"),
    ("program_cost_total", "program cost"),
    ("contribution_total", "vendor contribution"),
    ("partner_profit_total", "partner profit"),
)
"""The KPIs of the answer, in the order they add up: net revenue less costs is contribution."""


@dataclass(frozen=True)
class MoneyDelta:
    """One line of the answer: a design's paired difference from the reference.

    Attributes:
        kpi: The KPI.
        label: Its label in the answer.
        diff: Mean paired difference (None if undefined).
        low: Lower end of its 95 % confidence interval.
        high: Upper end.
        n_higher: Replications in which the design's value was higher.
        n: Paired replications.
    """

    kpi: str
    label: str
    diff: float | None
    low: float | None
    high: float | None
    n_higher: int | None
    n: int

    def sign(self) -> int:
        """+1 if the interval lies above 0, −1 if below, 0 if it contains 0 or is undefined."""
        if self.low is None or self.high is None:
            return 0
        if self.low > 0:
            return 1
        return -1 if self.high < 0 else 0

    def parts(self, currency: str = "") -> tuple[str, str, str]:
        """The difference, its interval and the count: ``+1.2M``, ``[0.4M, 2.0M]``, ``9 of 10``."""
        if self.diff is None:
            return "undefined", "", ""
        unit = delta_unit(self.kpi)  # " pp" for shares, "" for money
        diff = format_value(self.kpi, self.diff, currency, delta=True) + unit
        low = format_value(self.kpi, self.low, currency, delta=True)
        high = format_value(self.kpi, self.high, currency, delta=True)
        count = f"{self.n_higher} of {self.n}" if self.n_higher is not None else ""
        return diff, f"[{low}, {high}]{unit}", count

    def text(self, currency: str = "") -> str:
        """The difference, interval and count: ``+1.2M [0.4M, 2.0M]; higher in 9 of 10``."""
        diff, interval, count = self.parts(currency)
        return " ".join(p for p in (diff, interval) if p) + (
            f"; higher in {count}" if count else ""
        )


def _number(x: Any) -> float | None:
    if x is None or isinstance(x, bool | str):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def money_deltas(table: pd.DataFrame, design: str) -> list[MoneyDelta]:
    """The money lines of one design against the reference (the table's first design).

    Args:
        table: A comparison table (columns of :data:`sim.compare.COMPARISON_COLUMNS`).
        design: A design other than the first.

    Returns:
        One :class:`MoneyDelta` per line of :data:`MONEY_LINES` the table has.
    """
    lines = []
    for kpi, label in MONEY_LINES:
        rows = table[(table["kpi"] == kpi) & (table["design"] == design)]
        if rows.empty:
            continue
        row = rows.iloc[0]
        n_higher = _number(row.get("n_higher"))
        lines.append(
            MoneyDelta(
                kpi,
                label,
                _number(row["diff_mean"]),
                _number(row["diff_ci_low"]),
                _number(row["diff_ci_high"]),
                None if n_higher is None else int(n_higher),
                int(row["n"]),
            )
        )
    return lines


_VENDOR = {
    1: "pays the vendor: contribution {}",
    -1: "costs the vendor: contribution {}",
    0: "no detectable effect on the vendor's contribution ({})",
}
_PARTNERS = {
    1: "partners gain: profit {}",
    -1: "partners lose: profit {}",
    0: "no detectable effect on partner profit ({})",
}


def answer(design: str, reference: str, lines: list[MoneyDelta], currency: str = "") -> str:
    """One sentence: whether the design pays the vendor and the partners, against the reference.

    Args:
        design: The design's name.
        reference: The reference design's name.
        lines: Its money lines (:func:`money_deltas`).
        currency: Currency code for the amounts.

    Returns:
        E.g. ``deal_registration vs baseline: pays the vendor: contribution +1.2M [...];
        partners gain: profit +0.3M [...]``.
    """
    by_kpi = {line.kpi: line for line in lines}
    parts = [f"{design} vs {reference}:"]
    contribution = by_kpi.get("contribution_total")
    if contribution is not None:
        parts.append(_VENDOR[contribution.sign()].format(contribution.text(currency)) + ";")
    profit = by_kpi.get("partner_profit_total")
    if profit is not None:
        parts.append(_PARTNERS[profit.sign()].format(profit.text(currency)))
    return " ".join(parts).rstrip(";")
