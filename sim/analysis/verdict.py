"""The verdict of a comparison: which KPIs are tested, who wins, and how many runs it would take.

Pure functions on plain numbers, used by :mod:`sim.compare` and ``channelsim compare``:

* :func:`duplicates` and :func:`can_test`: a KPI whose values equal an earlier KPI's in every
  run, or a paired difference with zero variance, is left out of the significance tests (its
  p-value empty, its verdict ``not tested``): such a "test" says nothing and would only dilute
  the Holm adjustment of the others.
* :func:`count_better`: in how many paired replications a design beats the reference, in the
  KPI's better direction.
* :func:`replications_needed`: the paired replications a two-sided paired t-test needs to
  detect the observed mean difference with 80 % power: the normal approximation
  ``n ≈ ((z_.975 + z_.8) · sd_diff / |mean_diff|)²`` (at 5 %) refined with t quantiles.
* :func:`mark`: ▲ better, ▼ worse, · no difference (readable without colour).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

NOT_TESTED = "not tested"
"""The verdict of a KPI left out of the tests (zero-variance differences or a duplicate)."""

Z_975 = 1.959963984540054
"""The standard normal 97.5 % quantile (two-sided 5 % test)."""

Z_80 = 0.8416212335729143
"""The standard normal 80 % quantile (80 % power)."""

MARKS: dict[str, str] = {"better": "▲", "worse": "▼", "no difference": "·"}
"""The mark beside a difference, by verdict (``higher``/``lower`` of a descriptive KPI: none)."""


def duplicates(kpis: Sequence[str], values: Mapping[str, Sequence[float | None]]) -> dict[str, str]:
    """The KPIs whose values equal an earlier KPI's in every run.

    Args:
        kpis: KPI names, in order (the first of equal KPIs is kept).
        values: Each KPI's values in every run, in the same run order for every KPI (None:
            undefined). A KPI missing from ``values`` is never a duplicate.

    Returns:
        For each duplicate, the earlier KPI it repeats.

    Example:
        >>> duplicates(["a", "b", "c"], {"a": [1.0, 2.0], "b": [1.0, 2.0], "c": [1.0, 3.0]})
        {'b': 'a'}
    """
    seen: dict[tuple[float | None, ...], str] = {}
    out: dict[str, str] = {}
    for kpi in kpis:
        if kpi not in values:
            continue
        key = tuple(values[kpi])
        if key in seen:
            out[kpi] = seen[key]
        else:
            seen[key] = kpi
    return out


def can_test(diffs: Sequence[float], rel_tol: float = 1e-9) -> bool:
    """Whether paired differences can be tested: at least 2 and not all equal.

    Differences that agree up to rounding (their range at most ``rel_tol`` × their largest
    magnitude, e.g. 0.1 computed as 0.3 − 0.2 and as 0.4 − 0.3) count as equal: their t-test
    would report a meaningless tiny p-value.

    Args:
        diffs: The paired differences (design − reference).
        rel_tol: The relative tolerance.

    Returns:
        True when their variance is positive beyond rounding.
    """
    if len(diffs) < 2:
        return False
    spread = max(diffs) - min(diffs)
    return spread > rel_tol * max(abs(d) for d in diffs)


def count_better(ref: Sequence[float], other: Sequence[float], better: str) -> int | None:
    """In how many paired replications ``other`` beats ``ref`` in the better direction.

    Args:
        ref: The reference's values, by replication.
        other: The design's values, paired with ``ref``.
        better: ``"higher"``, ``"lower"`` or ``""`` (descriptive KPI).

    Returns:
        The count of strictly better pairs (ties count as not better); None without a direction.

    Raises:
        ValueError: The samples differ in length.
    """
    if len(ref) != len(other):
        raise ValueError(f"paired samples differ in length: {len(ref)} and {len(other)}")
    if better == "higher":
        return sum(b > a for a, b in zip(ref, other, strict=True))
    if better == "lower":
        return sum(b < a for a, b in zip(ref, other, strict=True))
    return None


def replications_needed(
    mean_diff: float | None, sd_diff: float | None, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Paired replications for a two-sided paired t-test at ``alpha`` to detect ``mean_diff``.

    Starts from the normal approximation ``n = ((z_{1−α/2} + z_power) · sd_diff / |mean_diff|)²``
    (with α = 5 %: ``((z_.975 + z_.8) · sd_diff / |mean_diff|)²``), then takes the smallest n
    from there with ``(t_{1−α/2, n−1} + t_{power, n−1}) · sd_diff / |mean_diff| ≤ √n``, since the
    normal approximation understates n for a few replications.

    Args:
        mean_diff: The observed mean paired difference.
        sd_diff: The standard deviation of the paired differences.
        alpha: The two-sided significance level (e.g. 5 % / m for m tests, Bonferroni).
        power: The power wanted.

    Returns:
        The replications (at least 2), or None when undefined (no difference or no spread).
    """
    if mean_diff is None or sd_diff is None:
        return None
    if not (math.isfinite(mean_diff) and math.isfinite(sd_diff)):
        return None
    if mean_diff == 0.0 or sd_diff <= 0.0:
        return None
    from scipy import stats

    ratio = sd_diff / abs(mean_diff)
    z = float(stats.norm.ppf(1.0 - alpha / 2.0) + stats.norm.ppf(power))
    n = max(2, math.ceil((z * ratio) ** 2))
    # (t_{1−α/2} + t_power) · ratio ≤ √n: the left side falls and the right rises with n, and
    # the normal approximation is a lower bound, so the first n that passes is the answer.
    while float(stats.t.ppf(1.0 - alpha / 2.0, n - 1) + stats.t.ppf(power, n - 1)) * ratio > (
        math.sqrt(n)
    ):
        n += 1
    return n


def mark(verdict: str | None) -> str:
    """The mark for a verdict: ▲ better, ▼ worse, · no difference, else empty."""
    return MARKS.get(verdict or "", "")


def plain_verdict(
    verdict: str | None,
    replications: int,
    needed: int | None,
    p_holm: float | None = None,
    tests: int = 1,
) -> str:
    """The verdict in words for the summary line of a design.

    Args:
        verdict: The row's verdict (``better``, ``worse``, ``no difference``, ``not tested``,
            ``higher``/``lower`` or empty).
        replications: The paired replications run.
        needed: :func:`replications_needed` for the observed difference.
        p_holm: The Holm-adjusted p-value, shown after the verdict when given.
        tests: The tests of the Holm family (``needed`` is at 5 % / tests when more than 1).

    Returns:
        E.g. ``"better"`` or ``"no detectable difference at 3 replications; about 40 paired
        replications would detect a difference this size (paired t, 5 % two-sided, 80 %
        power)"``.
    """
    p_text = "" if p_holm is None else f" (Holm-adjusted p = {p_holm:.2g})"
    if verdict in ("better", "worse"):
        return f"{verdict}{p_text}"
    if verdict == NOT_TESTED:
        return "not tested (the same difference in every run, or a duplicate KPI)"
    if verdict == "no difference":
        text = f"no detectable difference at {replications} replications{p_text}"
        if needed is None:
            return text + " (the designs give the same value in every run)"
        level = "5 %" if tests <= 1 else f"5 % / {tests} tests, the strictest Holm step"
        return (
            f"{text}; about {needed} paired replications would detect a difference this size "
            f"(paired t, 80 % power, two-sided {level})"
        )
    return verdict or "undefined (the KPI has no value in some run)"


def money_scale(values: Sequence[float | None]) -> tuple[float, str]:
    """The divisor and suffix that show money values in a narrow column.

    Args:
        values: The money values to be shown together (None: undefined).

    Returns:
        ``(1e6, "M")`` when the largest magnitude is at least a million, ``(1e3, "k")`` when at
        least a thousand, else ``(1.0, "")``.
    """
    top = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    if top >= 1e6:
        return 1e6, "M"
    if top >= 1e3:
        return 1e3, "k"
    return 1.0, ""
