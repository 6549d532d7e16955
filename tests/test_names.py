"""The names registry (sim.names): conflict rules, channels, partner types and tiers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.names import (
    CHANNEL_LABELS,
    CHANNELS,
    IMPLEMENTED_CONFLICT_RULES,
    PARTNER_TYPES,
    TIERS,
    ConflictRule,
)
from sim.program import conflict
from sim.scenario.schema import Partners, Scenario

runner = CliRunner()

# ------------------------------------------------------------------------------ conflict rules


def test_schema_accepts_exactly_the_declared_rules() -> None:
    accepted = Scenario.model_json_schema()["$defs"]["ConflictRule"]["enum"]
    assert set(accepted) == {rule.value for rule in ConflictRule}
    assert set(accepted) == {
        "free_for_all",
        "registered_wins",
        "named_accounts",
        "partner_first",
        "channel_neutral",
    }  # SPEC §2.5


def test_engine_registers_exactly_the_implemented_rules() -> None:
    assert conflict.known_rules() == sorted(IMPLEMENTED_CONFLICT_RULES)
    for rule in IMPLEMENTED_CONFLICT_RULES:
        assert callable(conflict.get_rule(rule))


def test_register_refuses_undeclared_and_unimplemented_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="not declared"):
        conflict.register("no_such_rule")
    with monkeypatch.context() as patch:  # every declared rule is implemented now
        patch.setattr(
            conflict, "IMPLEMENTED_CONFLICT_RULES", frozenset({ConflictRule.FREE_FOR_ALL})
        )
        with pytest.raises(ValueError, match="not implemented"):
            conflict.register("registered_wins")
    with pytest.raises(ValueError, match="registered already"):
        conflict.register("free_for_all")
    assert conflict.known_rules() == sorted(IMPLEMENTED_CONFLICT_RULES)


def test_every_declared_rule_is_implemented_and_an_unknown_one_is_refused() -> None:
    assert set(IMPLEMENTED_CONFLICT_RULES) == set(ConflictRule)
    result = runner.invoke(app, ["validate", "tiny", "--set", "program.conflict.rule=no_rule"])
    assert result.exit_code == 2
    assert "program.conflict.rule" in result.stderr
    assert "no_rule" in result.stderr
    assert "Traceback" not in result.stderr


def test_implemented_rule_validates() -> None:
    result = runner.invoke(app, ["validate", "tiny", "--set", "program.conflict.rule=free_for_all"])
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------ channels, types and tiers


def test_channels_partner_types_and_schema_tables_agree() -> None:
    assert ("direct", *PARTNER_TYPES) == CHANNELS
    assert tuple(CHANNEL_LABELS) == CHANNELS
    assert tuple(Partners.model_fields) == PARTNER_TYPES


def test_readers_share_the_one_declaration() -> None:
    import sim.analysis.kpis
    import sim.metrics
    import sim.plots
    import sim.scenario.checks
    import sim.scenario.schema

    assert sim.metrics.CHANNELS is CHANNELS
    assert sim.metrics.PARTNER_TYPES is PARTNER_TYPES
    assert sim.metrics.TIERS is TIERS
    assert sim.plots.CHANNEL_LABELS is CHANNEL_LABELS
    assert sim.analysis.kpis.CHANNELS is CHANNELS
    assert sim.scenario.schema.ConflictRule is ConflictRule
    assert sim.scenario.checks.IMPLEMENTED_CONFLICT_RULES is IMPLEMENTED_CONFLICT_RULES
    tier_columns = [c for c in sim.metrics.COLUMNS if c.startswith("partners_tier_")]
    assert tier_columns == [f"partners_tier_{t}" for t in TIERS]


def test_names_module_is_light() -> None:
    probe = (
        "import sys\n"
        "import sim.names\n"
        "heavy = ['numpy', 'pandas', 'pydantic', 'mesa', 'scipy', 'sim.scenario']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_roles_are_registered_once_by_module_path() -> None:
    from sim.agents import ROLE_CLASSES, Partner, _role_class
    from sim.names import IMPLEMENTED_PARTNER_TYPES, ROLE_MODULES

    assert set(ROLE_CLASSES) == set(ROLE_MODULES) == IMPLEMENTED_PARTNER_TYPES
    for ptype, path in ROLE_MODULES.items():
        assert ROLE_CLASSES[ptype].__name__ == path.split(":")[1]
        assert issubclass(ROLE_CLASSES[ptype], Partner)
    with pytest.raises(TypeError, match=r"subclass of sim\.agents\.base\.Partner"):
        _role_class("sim.agents.direct:DirectSales")
