"""Standard per-run figures written as deterministic PNG files.

Every function takes the per-period time-series DataFrame of a run (one row per period,
with a ``period`` column) and writes one PNG. Figures are plain :class:`~matplotlib.figure.Figure`
objects on an Agg canvas, created inside each call: pyplot is not imported and no figure is
registered globally; no global matplotlib style is changed. PNG metadata that would embed the
matplotlib version is suppressed so identical inputs give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from sim.analysis.bass import BassFit, BassNlsFit, bass_cumulative
from sim.analysis.kpi_registry import kpi_of
from sim.names import CHANNEL_LABELS

# Our own figures do not need it (they draw on an Agg canvas directly), but other modules create
# pyplot figures and hand them to :func:`save_figure`; keep pyplot headless for them. This only sets
# the backend name: it neither imports pyplot nor changes any style.
matplotlib.use("Agg")

__all__ = [
    "CHANNEL_COLOURS",
    "CHANNEL_LABELS",
    "PARTNERS_COLOUR",
    "draw_note",
    "kpi_label",
    "money_axis",
    "new_figure",
    "period_label",
    "plain_axis",
    "plot_adoption",
    "plot_conflicts",
    "plot_partners_by_tier",
    "plot_revenue_by_channel",
    "save_figure",
    "write_run_plots",
]

_FIGSIZE = (8.0, 4.5)
_DPI = 110
_PNG_METADATA: dict[str, str | None] = {"Software": None}
# zlib level 3 instead of Pillow's default 6: about half the encoding time of these figures for
# files about 12 % larger; the pixels are the same, and the bytes still depend only on them.
_PNG_PIL_KWARGS: dict[str, int] = {"compress_level": 3}

_PARTNER_TIER_PREFIX = "partners_tier_"

FloatArray = npt.NDArray[np.float64]

_TAB10 = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
CHANNEL_COLOURS: dict[str, str] = {
    key: _TAB10[i % len(_TAB10)] for i, key in enumerate(CHANNEL_LABELS)
}
"""One colour per channel (matplotlib's tab10, in :data:`CHANNEL_LABELS` order), used by every
figure that shows channels, so a channel looks the same in run and comparison plots."""

PARTNERS_COLOUR = "#444444"
"""Colour of "all partners together" (total − direct), distinct from every channel's colour."""

_PERIOD_WORDS: dict[str, str] = {"month": "Month", "week": "Week"}

_MONEY_SCALES: tuple[tuple[float, str], ...] = (
    (1e9, "billion"),
    (1e6, "million"),
    (1e3, "thousand"),
)


def period_label(period: str) -> str:
    """The time axis label in words for a scenario's period length.

    Args:
        period: ``time.period`` of the scenario (``"month"`` or ``"week"``).

    Returns:
        ``"Month"``, ``"Week"``, or ``"Period"`` for anything else.
    """
    return _PERIOD_WORDS.get(period, "Period")


def kpi_label(name: str, currency: str = "", unit: bool = True) -> str:
    """A KPI's display name from the registry, with its unit, for an axis or a tick.

    Args:
        name: KPI name; a flattened per-channel name (``cac_by_channel.var``) gets the channel's
            display name in brackets.
        currency: Currency code shown for a ``currency`` unit.
        unit: Whether to append the unit (``", USD"``, ``", share"``).

    Returns:
        E.g. ``"Contribution, USD"``; an unknown name with underscores as spaces.
    """
    entry = kpi_of(name)
    if entry is None:
        return name.replace("_", " ")
    label = entry.label[:1].upper() + entry.label[1:]
    _, dot, channel = name.partition(".")
    if dot:
        label += f" ({CHANNEL_LABELS.get(channel, channel)})"
    shown = currency if entry.unit == "currency" and currency else entry.unit
    return f"{label}, {shown}" if unit and shown and shown != "currency" else label


def plain_axis(ax: Axes) -> None:
    """Plain tick numbers on both axes of ``ax``: no offset (``+1e7``), no scientific notation.

    Args:
        ax: Target axes.
    """
    for axis in (ax.xaxis, ax.yaxis):
        fmt = ScalarFormatter(useOffset=False)
        fmt.set_scientific(False)
        axis.set_major_formatter(fmt)


def money_axis(ax: Axes, values: FloatArray, what: str, currency: str) -> str:
    """Label ``ax``'s y axis as money in a readable unit and scale its ticks to match.

    The unit is the largest of thousand, million, billion not above the largest absolute value
    (none below 1000), so 12 500 000 reads "12.5" under "…, USD million"; there is no offset text.

    Args:
        ax: Target axes.
        values: The values drawn (any shape; NaN ignored).
        what: The quantity in words, e.g. ``"Revenue per month"``.
        currency: Currency code.

    Returns:
        The y label set, e.g. ``"Revenue per month, USD million"``.
    """
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    scale, word = next(((f, w) for f, w in _MONEY_SCALES if top >= f), (1.0, ""))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / scale:,.4g}"))
    label = f"{what}, {currency} {word}".rstrip()
    ax.set_ylabel(label)
    return label


def _periods(ts: pd.DataFrame) -> FloatArray:
    """X values for a time series: the ``period`` column, or 1..n if it is absent.

    Args:
        ts: Per-period time series.

    Returns:
        Float array of period indices.
    """
    if "period" in ts.columns:
        return ts["period"].to_numpy(dtype=np.float64)
    return np.arange(1, len(ts) + 1, dtype=np.float64)


def _column(ts: pd.DataFrame, name: str) -> FloatArray:
    """A column as a float array with NaN replaced by 0 (zeros if the column is absent).

    Args:
        ts: Per-period time series.
        name: Column name.

    Returns:
        Float array of length ``len(ts)``.
    """
    if name not in ts.columns:
        return np.zeros(len(ts), dtype=np.float64)
    return np.nan_to_num(ts[name].to_numpy(dtype=np.float64), nan=0.0)


def new_figure() -> tuple[Figure, Axes]:
    """Create a figure with the standard size on its own Agg canvas (not known to pyplot).

    Returns:
        The figure and its single axes.
    """
    fig = Figure(figsize=_FIGSIZE)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # Fixed margins (room for a twin axis on the right) instead of tight_layout, which
    # measures every text element and costs most of a plot's time.
    fig.subplots_adjust(left=0.11, right=0.89, top=0.9, bottom=0.12)
    return fig, ax


def draw_note(ax: Axes, text: str) -> None:
    """Write a centred note on an (otherwise empty) axes.

    Args:
        ax: Target axes.
        text: Note text.
    """
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=12,
        color="0.4",
    )


def save_figure(fig: Figure, path: Path) -> Path:
    """Save a figure as a deterministic PNG and close it.

    Args:
        fig: Figure to save: one of :func:`new_figure`, or a pyplot figure (closed in pyplot
            after saving).
        path: Output path; parent directories are created.

    Returns:
        The output path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(
            path, dpi=_DPI, format="png", metadata=_PNG_METADATA, pil_kwargs=_PNG_PIL_KWARGS
        )
    finally:
        if getattr(fig.canvas, "manager", None) is not None:
            # lazy: only pyplot figures have a manager, so pyplot is imported already.
            import matplotlib.pyplot as plt

            plt.close(fig)
    return path


def plot_revenue_by_channel(
    ts: pd.DataFrame, path: Path, currency: str = "USD", period: str = "month"
) -> Path:
    """Stacked area chart of revenue per channel per period.

    Uses the columns ``revenue_<channel>`` for the channels in :data:`CHANNEL_LABELS`;
    missing or all-zero columns are skipped.

    Args:
        ts: Per-period time series with a ``period`` column.
        path: Output PNG path.
        currency: Currency code for the y-axis label.
        period: The scenario's period length (``"month"`` or ``"week"``) for the axis labels.

    Returns:
        The output path.
    """
    x = _periods(ts)
    series: list[FloatArray] = []
    labels: list[str] = []
    colours: list[str] = []
    for key, label in CHANNEL_LABELS.items():
        y = _column(ts, f"revenue_{key}")
        if np.any(y != 0.0):
            series.append(y)
            labels.append(label)
            colours.append(CHANNEL_COLOURS[key])
    fig, ax = new_figure()
    plain_axis(ax)
    if series:
        ax.stackplot(x, *series, labels=labels, colors=colours, alpha=0.85)
        ax.legend(loc="upper left", fontsize=8, ncols=2)
    else:
        draw_note(ax, "no revenue")
    ax.set_title("Revenue by channel")
    word = period_label(period)
    ax.set_xlabel(word)
    stacked = np.sum(series, axis=0) if series else np.zeros(1)
    money_axis(ax, np.asarray(stacked, dtype=np.float64), f"Revenue per {word.lower()}", currency)
    ax.grid(True, alpha=0.3)
    return save_figure(fig, path)


def plot_adoption(
    ts: pd.DataFrame, path: Path, fit: BassFit | BassNlsFit, period: str = "month"
) -> Path:
    """Adoption and awareness shares over time with the fitted Bass curve.

    Plots ``adoption`` (share of accounts that ever bought) and ``aware_share`` against
    ``period``, plus the fitted curve as a dashed line when the fit converged: the NLS fit's
    ``m · F(t)`` (p, q per year) or the discrete fit's ``bass_cumulative(p, q, len(ts), m)``.

    Args:
        ts: Per-period time series with ``period``, ``adoption`` and ``aware_share``.
        path: Output PNG path.
        fit: Bass fit of the ``adoption`` series.
        period: The scenario's period length (``"month"`` or ``"week"``) for the time axis.

    Returns:
        The output path.
    """
    x = _periods(ts)
    fig, ax = new_figure()
    plain_axis(ax)
    plotted = False
    if "adoption" in ts.columns:
        ax.plot(x, _column(ts, "adoption"), color="C0", lw=2, label="Adoption (ever bought)")
        plotted = True
    if "aware_share" in ts.columns:
        ax.plot(x, _column(ts, "aware_share"), color="C1", lw=1.5, label="Aware")
        plotted = True
    if fit.converged and len(ts) > 0:
        if isinstance(fit, BassNlsFit):
            curve = fit.cumulative(len(ts))
            label = f"Bass NLS fit (p={fit.p:.4f}/yr, q={fit.q:.3f}/yr, m={fit.m:.3f})"
        else:
            curve = bass_cumulative(fit.p, fit.q, len(ts), fit.m)
            label = f"Bass fit (p={fit.p:.4f}, q={fit.q:.3f}, m={fit.m:.3f})"
        ax.plot(x, curve, color="C2", lw=1.5, ls="--", label=label)
        plotted = True
    if plotted:
        ax.legend(loc="lower right", fontsize=8)
    else:
        draw_note(ax, "no adoption data")
    ax.set_ylim(0.0, 1.05)
    ax.set_title("Account adoption and awareness")
    ax.set_xlabel(period_label(period))
    ax.set_ylabel("Share of accounts (0–1)")
    ax.grid(True, alpha=0.3)
    return save_figure(fig, path)


def plot_partners_by_tier(ts: pd.DataFrame, path: Path, period: str = "month") -> Path:
    """Stacked area chart of active partners per program tier.

    Uses every column named ``partners_tier_<tier>`` in DataFrame order, leaving out tiers no
    partner reached; the legend shows the tier name title-cased, and each tier keeps its colour.
    If there are no such columns, or all are zero, the plot carries the note "no partners".

    Args:
        ts: Per-period time series with a ``period`` column.
        path: Output PNG path.
        period: The scenario's period length (``"month"`` or ``"week"``) for the time axis.

    Returns:
        The output path.
    """
    x = _periods(ts)
    cols = [str(c) for c in ts.columns if str(c).startswith(_PARTNER_TIER_PREFIX)]
    series = [_column(ts, c) for c in cols]
    labels = [c.removeprefix(_PARTNER_TIER_PREFIX).replace("_", " ").title() for c in cols]
    fig, ax = new_figure()
    plain_axis(ax)
    # Tiers nobody reached are left out; each tier keeps its colour whichever are shown.
    shown = [i for i, s in enumerate(series) if np.any(s != 0.0)]
    if shown:
        ax.stackplot(
            x,
            *(series[i] for i in shown),
            labels=[labels[i] for i in shown],
            colors=[f"C{i}" for i in shown],
            alpha=0.85,
        )
        ax.legend(loc="upper left", fontsize=8)
    else:
        draw_note(ax, "no partners")
    ax.set_title("Partners by tier")
    ax.set_xlabel(period_label(period))
    ax.set_ylabel("Partners (count)")
    ax.grid(True, alpha=0.3)
    return save_figure(fig, path)


def plot_conflicts(ts: pd.DataFrame, path: Path, period: str = "month") -> Path:
    """Channel conflicts per period by kind, with the direct conflict rate on a twin axis.

    Lines show ``conflicts_direct`` (direct reps against a partner), ``conflicts_store`` (the
    online store against a partner) and ``conflicts_partner`` (two or more partners); they may
    overlap on one opportunity. The dashed line shows the direct conflict rate
    ``conflicts_direct / opportunities_partner_bid`` (a gap in periods no partner bid).

    Args:
        ts: Per-period time series with ``period``, the three ``conflicts_*`` columns and
            ``opportunities_partner_bid``.
        path: Output PNG path.
        period: The scenario's period length (``"month"`` or ``"week"``) for the time axis.

    Returns:
        The output path.
    """
    x = _periods(ts)
    fig, ax = new_figure()
    plain_axis(ax)
    handles = []
    top = 0.0
    for i, (col, label) in enumerate(_CONFLICT_SERIES):
        series = _column(ts, col)
        top = max(top, float(series.max(initial=0.0)))
        (h,) = ax.plot(x, series, color=f"C{i + 1}", lw=1.5, label=label)
        handles.append(h)
    ax.set_title("Channel conflicts")
    ax.set_xlabel(period_label(period))
    ax.set_ylabel(f"Conflicts per {period_label(period).lower()} (count)")
    ax.set_ylim(0.0, max(top, 1.0) * _LEGEND_ROOM)  # room above the lines for the legend
    ax.grid(True, axis="y", alpha=0.3)
    direct = _column(ts, "conflicts_direct")
    with_partner = _column(ts, "opportunities_partner_bid")
    rate = np.full_like(direct, np.nan)
    np.divide(direct, with_partner, out=rate, where=with_partner > 0.0)
    ax2 = ax.twinx()
    plain_axis(ax2)
    (line,) = ax2.plot(x, rate, color="C0", lw=1.2, ls="--", label="Conflict rate (direct)")
    ax2.set_ylabel("Direct conflicts per opportunity a partner bid on (ratio)")
    if np.any(np.isfinite(rate)):
        ax2.set_ylim(0.0, max(1e-9, float(np.nanmax(rate))) * _LEGEND_ROOM)
    else:
        ax2.set_ylim(0.0, 1.0)
    ax.legend(handles=[*handles, line], loc="upper center", ncol=2, fontsize=8)
    return save_figure(fig, path)


_LEGEND_ROOM = 1.35
"""Axis top of ``conflicts.png`` as a multiple of the highest point (room for the legend)."""

_CONFLICT_SERIES: tuple[tuple[str, str], ...] = (
    ("conflicts_direct", "Direct reps vs partner"),
    ("conflicts_store", "Online store vs partner"),
    ("conflicts_partner", "Partner vs partner"),
)
"""The conflict series of ``conflicts.png``: column and legend label."""


def write_run_plots(
    ts: pd.DataFrame,
    out_dir: Path,
    fit: BassFit | BassNlsFit,
    currency: str,
    period: str = "month",
) -> list[Path]:
    """Write the standard set of run figures.

    Args:
        ts: Per-period time series of the run.
        out_dir: Output directory (created if missing).
        fit: Bass fit of the ``adoption`` series (used by the adoption plot).
        currency: Currency code for revenue axis labels.
        period: The scenario's period length (``"month"`` or ``"week"``) for the time axes.

    Returns:
        Paths of ``revenue_by_channel.png``, ``adoption.png``, ``partners_by_tier.png`` and
        ``conflicts.png``, in that order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        plot_revenue_by_channel(ts, out_dir / "revenue_by_channel.png", currency, period),
        plot_adoption(ts, out_dir / "adoption.png", fit, period),
        plot_partners_by_tier(ts, out_dir / "partners_by_tier.png", period),
        plot_conflicts(ts, out_dir / "conflicts.png", period),
    ]
