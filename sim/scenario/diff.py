"""What differs between scenarios: flattened resolved scenarios, their differences, and scale.

``channelsim compare`` lists, for every design but the first, the keys of its resolved scenario
(the content of ``scenario.resolved.toml``: :func:`sim.scenario.dump_resolved`, every default
filled in) whose values differ from the first design's, and warns when the designs differ in a
key that makes their totals incomparable (:data:`SCALE_KEYS`).

A scenario is flattened into dotted keys: a table's keys are joined with ``.``
(``partners.var.discount``); a list of scalars is one value (``direct.segments``); a list that
holds tables is flattened item by item with its index (``events[0].period``). Keys that are
absent (a None value: "none") count as a difference against any value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

IGNORED_KEYS: frozenset[str] = frozenset({"description", "seed"})
"""Top-level keys left out of the differences: the description is prose, and a comparison runs
every design on the same seeds (the scenario's ``seed`` of the first design is the base)."""

SCALE_KEYS: tuple[str, ...] = ("market.customers", "time.periods", "time.period")
"""Keys whose difference makes totals incomparable between designs (market size, horizon,
period length)."""


@dataclass(frozen=True)
class Difference:
    """One key of one design whose value differs from the reference design's.

    Attributes:
        design: The design's name.
        key: The dotted key.
        reference_value: The reference design's value (None: absent there).
        value: The design's value (None: absent there).
    """

    design: str
    key: str
    reference_value: Any
    value: Any


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables into dotted keys.

    Args:
        data: A scenario as plain data (``Scenario.model_dump(mode="json")``) or any nested
            mapping.
        prefix: Prepended to every key (used by the recursion).

    Returns:
        Dotted key → value, in the order of ``data``. Lists of scalars stay one value; a list
        with a table in it is flattened item by item as ``key[i]``; an empty table gives no key.
    """
    out: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{key}."))
        elif isinstance(value, list) and any(isinstance(x, Mapping | list) for x in value):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    out.update(flatten(item, f"{key}[{i}]."))
                else:
                    out[f"{key}[{i}]"] = item
        else:
            out[key] = value
    return out


def scenario_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """A resolved scenario's flattened keys without :data:`IGNORED_KEYS`.

    Args:
        data: The scenario as plain data.

    Returns:
        Dotted key → value.
    """
    return {k: v for k, v in flatten(data).items() if k not in IGNORED_KEYS}


def differences(
    reference: Mapping[str, Any], other: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """The keys whose values differ between two flattened scenarios.

    Args:
        reference: The reference's flattened keys (:func:`scenario_keys`).
        other: The other scenario's flattened keys.

    Returns:
        Key → (reference value, other value), None for a key absent on one side; keys in the
        reference's order, then those only in ``other`` in its order. ``1`` and ``1.0`` are
        equal; ``True`` and ``1`` are not.
    """
    out: dict[str, tuple[Any, Any]] = {}
    for key in [*reference, *(k for k in other if k not in reference)]:
        a, b = reference.get(key), other.get(key)
        if not _same(a, b):
            out[key] = (a, b)
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal values; a bool equals only a bool (``True`` is not ``1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def design_differences(
    names: Sequence[str], scenarios: Sequence[Mapping[str, Any]]
) -> list[Difference]:
    """What differs between designs: each design against the first.

    Args:
        names: The designs' names, the reference first.
        scenarios: Their resolved scenarios as plain data, in the same order.

    Returns:
        One :class:`Difference` per (design ≠ first, differing key), designs in order.
    """
    flat = [scenario_keys(s) for s in scenarios]
    return [
        Difference(name, key, ref, value)
        for name, keys in zip(names[1:], flat[1:], strict=True)
        for key, (ref, value) in differences(flat[0], keys).items()
    ]


def format_value(value: Any) -> str:
    """A value as written in a scenario file (TOML-like): ``true``, ``0.25``, ``["smb"]``.

    Args:
        value: A flattened value; None is an absent key.

    Returns:
        The text; ``(not set)`` for None.
    """
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_quoted(x) for x in value) + "]"
    return str(value)


def _quoted(value: Any) -> str:
    """A list item: strings in double quotes, the rest as :func:`format_value`."""
    return f'"{value}"' if isinstance(value, str) else format_value(value)


def scale_warnings(scenarios: Sequence[Mapping[str, Any]]) -> list[str]:
    """One warning per :data:`SCALE_KEYS` key on which the designs differ.

    Args:
        scenarios: The designs' resolved scenarios as plain data, the reference first.

    Returns:
        Lines such as ``designs differ in market.customers (10000 vs 3000): totals are not
        comparable; per-account and per-month KPIs are`` (the distinct values in design
        order), in the order of :data:`SCALE_KEYS`; empty when the designs agree.
    """
    flat = [flatten(s) for s in scenarios]
    lines: list[str] = []
    for key in SCALE_KEYS:
        values = list(dict.fromkeys(format_value(f.get(key)) for f in flat))
        if len(values) > 1:
            lines.append(
                f"designs differ in {key} ({' vs '.join(values)}): totals are not comparable; "
                "per-account and per-month KPIs are"
            )
    return lines
