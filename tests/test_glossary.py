"""docs/metrics.md: generated from the KPI registry, up to date, and explains the hard terms."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.glossary import metrics_markdown
from sim.analysis.kpi_registry import KPIS

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def test_metrics_doc_is_in_step_with_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == metrics_markdown(), (
        "docs/metrics.md is out of date: python -m sim.analysis.glossary > docs/metrics.md"
    )


def test_every_kpi_has_an_entry_with_its_unit() -> None:
    text = metrics_markdown()
    for kpi in KPIS:
        heading = f"### `{kpi.name}` ({kpi.label})"
        assert heading in text, kpi.name
        entry = text.split(heading, 1)[1].split("### ", 1)[0]
        assert f"Unit: {kpi.unit}" in entry, kpi.name


def test_the_terms_a_newcomer_trips_on_are_explained() -> None:
    text = metrics_markdown()
    adoption = text.split("### `adoption` against `customers_active`", 1)[1].split("###", 1)[0]
    assert "ever" in adoption and "now" in adoption
    conflict = text.split("### `conflict_rate`", 1)[1].split("###", 1)[0]
    assert "`opportunities_partner_bid`" in conflict
    assert "store_conflict_rate" in conflict and "partner_conflict_rate" in conflict
    cac = text.split("### Why CAC is n/a", 1)[1].split("###", 1)[0]
    assert "no new customer" in cac and "do not close deals" in cac
