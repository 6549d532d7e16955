"""Scenario loading: files, extends, --set, validation messages, resolved dumps."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.names import PARTNER_TYPES
from sim.scenario import (
    LoadedScenario,
    Scenario,
    dump_resolved,
    list_shipped,
    load_scenario,
    scenario_sha256,
)
from sim.scenario.loader import SHIPPED_DIR, read_toml, resolve_source, shipped_dir

BASELINE = """\
description = "Test baseline"
seed = 7

[market]
customers = 2000

[market.awareness]
innovation = 0.02
imitation = 0.4

[partners.var]
count = 12
discount = 0.3
"""

TINY = """\
description = "Test tiny"

[market]
customers = 100

[time]
periods = 12
"""


@pytest.fixture(autouse=True)
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the shipped folder at our own files and work from tmp_path."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    (folder / "baseline.toml").write_text(BASELINE, encoding="utf-8")
    (folder / "tiny.toml").write_text(TINY, encoding="utf-8")
    monkeypatch.setenv("CHANNELSIM_SCENARIOS_DIR", str(folder))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return folder


def write(path: Path | str, text: str | bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(source: str | Path, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(source, overrides)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def only_problem(source: str | Path, overrides: tuple[str, ...] = ()) -> str:
    problems = problems_of(source, overrides)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------------------------------------
# InputError
# ---------------------------------------------------------------------------------------------


def test_input_error_lines_and_pickle() -> None:
    err = InputError(["a.toml: x: one", "a.toml: y: two"])
    assert str(err) == "a.toml: x: one\na.toml: y: two"
    assert InputError("single").problems == ["single"]
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, InputError)
    assert again.problems == err.problems


# ---------------------------------------------------------------------------------------------
# finding scenarios
# ---------------------------------------------------------------------------------------------


def test_shipped_dir_env_override(shipped: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert shipped_dir() == shipped
    monkeypatch.delenv("CHANNELSIM_SCENARIOS_DIR")
    assert shipped_dir() == SHIPPED_DIR
    assert SHIPPED_DIR.name == "scenarios"


def test_load_shipped_by_name_with_or_without_suffix(shipped: Path) -> None:
    for name in ("tiny", "tiny.toml"):
        loaded = load_scenario(name)
        assert isinstance(loaded, LoadedScenario)
        assert loaded.name == "tiny"
        assert loaded.path == (shipped / "tiny.toml").resolve()
        assert loaded.scenario.market.customers == 100
        assert loaded.scenario.time.periods == 12


def test_load_by_relative_and_absolute_path(tmp_path: Path) -> None:
    write("mine/s.toml", "[market]\ncustomers = 321\n")
    assert load_scenario("mine/s.toml").scenario.market.customers == 321
    absolute = write(tmp_path / "elsewhere" / "t.toml", "seed = 4\n")
    loaded = load_scenario(absolute)
    assert loaded.scenario.seed == 4
    assert loaded.name == "t"
    assert loaded.path == absolute.resolve()


def test_path_beats_shipped_name() -> None:
    write("tiny.toml", "[market]\ncustomers = 55\n")
    assert load_scenario("tiny.toml").scenario.market.customers == 55
    assert load_scenario("tiny").scenario.market.customers == 100  # no file "tiny": shipped


def test_unknown_source_lists_shipped_names() -> None:
    line = only_problem("nowhere")
    assert line.startswith("nowhere: ")
    assert "baseline, tiny" in line
    with pytest.raises(InputError):
        resolve_source("../shipped/tiny")  # names are plain names, not paths into the folder


def test_resolve_source_relative_to(tmp_path: Path, shipped: Path) -> None:
    folder = tmp_path / "f"
    parent = write(folder / "p.toml", "seed = 1\n")
    assert resolve_source("p.toml", relative_to=folder) == parent
    assert resolve_source("baseline", relative_to=folder) == shipped / "baseline.toml"


def test_list_shipped(shipped: Path) -> None:
    write(shipped / "child.toml", 'extends = "baseline"\n[market]\ncustomers = 10\n')
    write(shipped / "zz_plain.toml", "seed = 3\n")
    write(shipped / "sub" / "nested.toml", 'description = "not listed"\n')
    write(shipped / "notes.txt", "not a scenario")
    assert list_shipped() == [
        ("baseline", "Test baseline"),
        ("child", "Test baseline"),  # inherited through extends
        ("tiny", "Test tiny"),
        ("zz_plain", ""),
    ]


# ---------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\n"])
def test_empty_file(content: bytes) -> None:
    write("empty.toml", content)
    assert only_problem("empty.toml") == "empty.toml: file is empty; expected a TOML scenario"


def test_comments_only_file() -> None:
    write("c.toml", "# nothing here\n")
    assert "only comments" in only_problem("c.toml")


def test_not_utf8() -> None:
    write("latin.toml", 'description = "caf\xe9"\n'.encode("latin-1"))
    line = only_problem("latin.toml")
    assert line.startswith("latin.toml: ")
    assert "file is not UTF-8 text" in line


def test_utf8_bom_is_accepted() -> None:
    write("bom.toml", b"\xef\xbb\xbfseed = 9\n")
    assert load_scenario("bom.toml").scenario.seed == 9


def test_syntax_error_has_line_and_column() -> None:
    write("bad.toml", "seed = 1\n\n[market]\ncustomers = = 3\n")
    line = only_problem("bad.toml")
    assert line.startswith("bad.toml: line 4, column 13: TOML syntax error: ")
    assert "(at line" not in line


def test_syntax_error_at_end_of_file() -> None:
    write("eof.toml", "seed = [1,\n")
    line = only_problem("eof.toml")
    assert line.startswith("eof.toml: line 2, column 1")
    assert "TOML syntax error" in line


def test_directory_is_not_a_scenario() -> None:
    Path("folder.toml").mkdir()
    assert only_problem("folder.toml").startswith("folder.toml: is a folder")
    with pytest.raises(InputError, match="is a folder"):
        read_toml(Path("folder.toml"))


def test_read_toml_returns_table() -> None:
    assert read_toml(write("r.toml", "seed = 2\n[time]\nperiods = 3\n")) == {
        "seed": 2,
        "time": {"periods": 3},
    }


# ---------------------------------------------------------------------------------------------
# schema problems
# ---------------------------------------------------------------------------------------------


def test_unknown_key_did_you_mean() -> None:
    write("x.toml", "[market]\ncustmers = 500\n")
    assert (
        only_problem("x.toml") == "x.toml: market.custmers: unknown key; did you mean 'customers'?"
    )


def test_nested_unknown_key_did_you_mean() -> None:
    write("x.toml", "[market.awareness]\ninovation = 0.1\n")
    assert only_problem("x.toml") == (
        "x.toml: market.awareness.inovation: unknown key; did you mean 'innovation'?"
    )


def test_unknown_top_level_key() -> None:
    write("x.toml", 'extend = "baseline"\n')
    assert only_problem("x.toml") == "x.toml: extend: unknown key; did you mean 'extends'?"


def test_unknown_partner_type_lists_types() -> None:
    write("x.toml", "[partners.reseller]\ncount = 3\n")
    line = only_problem("x.toml")
    assert line.startswith("x.toml: partners.reseller: unknown key")
    for ptype in ("distributor", "var", "si", "msp", "affiliate", "broker"):
        assert ptype in line


def test_unknown_key_inside_dict_of_models() -> None:
    write("x.toml", "[market.segments.smb]\nchurn_montly = 0.05\n")
    assert only_problem("x.toml") == (
        "x.toml: market.segments.smb.churn_montly: unknown key; did you mean 'churn_monthly'?"
    )


def test_unknown_segment_name() -> None:
    write("x.toml", "[market.segments.smbb]\nshare = 0.5\n")
    assert (
        only_problem("x.toml") == "x.toml: market.segments.smbb: unknown key; did you mean 'smb'?"
    )


def test_one_segment_field_keeps_the_other_defaults() -> None:
    write("x.toml", "[market.segments.enterprise]\nchurn_monthly = 0.004\n")
    scenario = load_scenario("x.toml").scenario
    default = Scenario()
    assert scenario.market.segments["enterprise"].churn_monthly == 0.004
    assert (
        scenario.market.segments["enterprise"].share == default.market.segments["enterprise"].share
    )
    assert scenario.market.segments["smb"] == default.market.segments["smb"]


def test_wrong_type() -> None:
    write("x.toml", '[market]\ncustomers = "many"\n')
    assert only_problem("x.toml") == (
        "x.toml: market.customers: 'many' is not accepted; expected an int in [1, 1000000]"
    )
    write("y.toml", "[market]\nawareness = 3\n")
    assert only_problem("y.toml") == (
        "y.toml: market.awareness: 3 is not accepted; expected a table"
    )


def test_out_of_range() -> None:
    write("x.toml", "[market]\ncustomers = 0\n[market.awareness]\ninnovation = 1.5\n")
    assert problems_of("x.toml") == [
        "x.toml: market.customers: 0 is not accepted; expected an int in [1, 1000000]",
        "x.toml: market.awareness.innovation: 1.5 is not accepted; expected a number in [0, 1]",
    ]


def test_negative_count_bound() -> None:
    write("x.toml", "[partners.var]\ncount = -3\n")
    line = only_problem("x.toml")
    assert line.startswith("x.toml: partners.var.count: -3 is not accepted; expected an int")
    assert "0" in line


def test_bad_enum_lists_accepted_values() -> None:
    write("x.toml", '[product]\nmodel = "lease"\n')
    line = only_problem("x.toml")
    assert line.startswith("x.toml: product.model: 'lease' is not accepted; expected ")
    for value in ("'perpetual'", "'subscription'", "'hybrid'"):
        assert value in line


def test_literal_and_dict_values() -> None:
    write("x.toml", '[time]\nperiod = "day"\n[program.exclusivity]\nvar = "closed"\n')
    assert problems_of("x.toml") == [
        "x.toml: time.period: 'day' is not accepted; expected 'month' or 'week'",
        "x.toml: program.exclusivity.var: 'closed' is not accepted; expected 'open' or 'exclusive'",
    ]


def test_union_field_gives_one_line() -> None:
    write("x.toml", '[direct]\nreps = "lots"\n')
    assert only_problem("x.toml") == (
        "x.toml: direct.reps: 'lots' is not accepted; expected an int or 'unlimited'"
    )


def test_model_validator_message_points_at_key() -> None:
    write("x.toml", "[direct]\nreps = -1\n")
    assert only_problem("x.toml") == (
        "x.toml: direct.reps: -1 is not accepted; expected an int ≥ 0 or 'unlimited'"
    )


def test_list_item_and_non_finite() -> None:
    write("x.toml", '[direct]\nsegments = [1, "smb"]\n[finance]\ndiscount_rate_annual = nan\n')
    assert problems_of("x.toml") == [
        "x.toml: finance.discount_rate_annual: nan is not accepted; expected a finite number",
        "x.toml: direct.segments[0]: 1 is not accepted; expected a string",
    ]


def test_several_problems_reported_together() -> None:
    write(
        "many.toml",
        "seed = -1\n[market]\ncustmers = 5\ncustomers = 0\n[product]\nmodel = 'lease'\n",
    )
    problems = problems_of("many.toml")
    assert len(problems) == 4
    keys = [line.split(": ")[1] for line in problems]
    assert set(keys) == {"market.customers", "market.custmers", "product.model", "seed"}


# ---------------------------------------------------------------------------------------------
# checks after the schema
# ---------------------------------------------------------------------------------------------


def test_every_partner_type_is_implemented() -> None:
    # OEMs, ISVs, alliance partners and brokers were refused as "not implemented yet" until
    # their roles existed (sim/agents/oem.py, isv.py, alliance.py, broker.py).
    write("x.toml", "".join(f"[partners.{t}]\ncount = 2\n" for t in PARTNER_TYPES))
    scenario = load_scenario("x.toml").scenario
    assert all(scenario.partners.of(t).count == 2 for t in PARTNER_TYPES)


def test_registered_wins_needs_deal_registration() -> None:
    write("x.toml", '[program.conflict]\nrule = "registered_wins"\n')
    line = only_problem("x.toml")
    assert line.startswith("x.toml: program.conflict.rule: 'registered_wins' is not accepted")
    assert "program.deal_registration.enabled" in line


def test_registration_keys_are_checked() -> None:
    write(
        "x.toml",
        "[program.deal_registration]\nenabled = true\nauto_approve_below = {diamond = 5e4}\n",
    )
    line = only_problem("x.toml")
    assert line.startswith(
        "x.toml: program.deal_registration.auto_approve_below.diamond: 'diamond'"
    )
    write("y.toml", '[program.deal_registration]\napproval = "by_lottery"\n')
    assert only_problem("y.toml").startswith("y.toml: program.deal_registration.approval")


def test_cross_reference_problems_together() -> None:
    write("x.toml", '[direct]\nterritories = ["mars"]\n[partners.isv]\nterritories_each = 9\n')
    problems = problems_of("x.toml")
    assert len(problems) == 2
    assert problems[0].startswith("x.toml: direct.territories: 'mars' is not accepted")
    assert "north" in problems[0]
    assert problems[1].startswith("x.toml: partners.isv.territories_each: ")


# ---------------------------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------------------------


def test_extends_relative_path_and_deep_merge() -> None:
    write(
        "base/parent.toml",
        'description = "parent"\nseed = 5\n[market]\ncustomers = 400\n'
        "[market.awareness]\ninnovation = 0.03\nimitation = 0.5\n",
    )
    write(
        "variants/child.toml",
        'extends = "../base/parent.toml"\n[market.awareness]\nimitation = 0.2\n',
    )
    loaded = load_scenario("variants/child.toml")
    scenario = loaded.scenario
    assert loaded.name == "child"
    assert scenario.description == "parent"
    assert scenario.seed == 5
    assert scenario.market.customers == 400
    assert scenario.market.awareness.innovation == 0.03  # kept from the parent
    assert scenario.market.awareness.imitation == 0.2  # overridden key by key


def test_extends_chain() -> None:
    write("a.toml", "seed = 1\n[market]\ncustomers = 10\n")
    write("b.toml", 'extends = "a.toml"\nseed = 2\n')
    write("c.toml", 'extends = "b.toml"\n[time]\nperiods = 3\n')
    scenario = load_scenario("c.toml").scenario
    assert (scenario.seed, scenario.market.customers, scenario.time.periods) == (2, 10, 3)


def test_extends_shipped_name_fallback(tmp_path: Path) -> None:
    child = write(tmp_path / "anywhere" / "mine.toml", 'extends = "baseline"\nseed = 11\n')
    scenario = load_scenario(child).scenario
    assert scenario.seed == 11
    assert scenario.market.customers == 2000
    assert scenario.partners.var.count == 12
    assert scenario.description == "Test baseline"


def test_extends_prefers_a_sibling_file() -> None:
    write("own/baseline.toml", "[market]\ncustomers = 77\n")
    write("own/v.toml", 'extends = "baseline"\n')
    assert load_scenario("own/v.toml").scenario.market.customers == 77


def test_extends_is_not_relative_to_cwd() -> None:
    write("p.toml", "seed = 3\n")
    write("sub/child.toml", 'extends = "p.toml"\n')
    line = only_problem("sub/child.toml")
    assert line.startswith("sub/child.toml: extends: 'p.toml' is not accepted")


def test_dangling_extends() -> None:
    write("x.toml", 'extends = "nothing_here"\n')
    line = only_problem("x.toml")
    assert line.startswith("x.toml: extends: 'nothing_here' is not accepted")
    assert "baseline, tiny" in line


def test_extends_not_a_string() -> None:
    write("x.toml", "extends = 3\n")
    assert only_problem("x.toml").startswith("x.toml: extends: 3 is not accepted; expected ")


def test_extends_cycle() -> None:
    write("a.toml", 'extends = "b.toml"\n')
    write("b.toml", 'extends = "a"\n')
    line = only_problem("a.toml")
    assert line.startswith("b.toml: extends: 'a' is not accepted")
    assert "cycle (a.toml → b.toml → a.toml)" in line


def test_extends_itself() -> None:
    write("self.toml", 'extends = "self.toml"\n')
    assert "cycle" in only_problem("self.toml")


def test_broken_parent_is_named() -> None:
    write("p.toml", "seed = = 1\n")
    write("c.toml", 'extends = "p.toml"\n')
    assert only_problem("c.toml").startswith("p.toml: line 1, column 8: TOML syntax error")


def test_problem_in_parent_names_the_parent() -> None:
    write("p.toml", "[market]\ncustomers = 0\n")
    write("c.toml", 'extends = "p.toml"\n[market]\nevaluation_rate = 2.0\n')
    assert problems_of("c.toml") == [
        "p.toml: market.customers: 0 is not accepted; expected an int in [1, 1000000]",
        "c.toml: market.evaluation_rate: 2 is not accepted; expected a number in [0, 1]",
    ]


# ---------------------------------------------------------------------------------------------
# --set
# ---------------------------------------------------------------------------------------------


def test_set_parses_toml_values() -> None:
    scenario = load_scenario(
        "tiny",
        [
            "market.customers=250",
            "market.awareness.innovation=0.05",
            "market.rival.enabled=false",
            "time.period=week",
            'description="quoted text"',
            "direct.reps=unlimited",
            'direct.segments=["smb", "mid"]',
        ],
    ).scenario
    assert scenario.market.customers == 250
    assert scenario.market.awareness.innovation == 0.05
    assert scenario.market.rival.enabled is False
    assert scenario.time.period == "week"
    assert scenario.description == "quoted text"
    assert scenario.direct.reps == "unlimited"
    assert scenario.direct.segments == ["smb", "mid"]


def test_set_creates_tables_and_applies_in_order() -> None:
    write("x.toml", "seed = 1\n")
    scenario = load_scenario(
        "x.toml",
        ["partners.var.count=4", "partners.var.count=6", "product.hardware.units_per_seat=0.5"],
    ).scenario
    assert scenario.partners.var.count == 6
    assert scenario.product.hardware.units_per_seat == 0.5


def test_set_comes_after_extends() -> None:
    write("x.toml", 'extends = "baseline"\nseed = 3\n')
    scenario = load_scenario("x.toml", ["seed=4", "market.awareness.imitation=0.1"]).scenario
    assert scenario.seed == 4
    assert scenario.market.awareness.imitation == 0.1
    assert scenario.market.awareness.innovation == 0.02  # from baseline


def test_set_plain_string_with_spaces() -> None:
    scenario = load_scenario("tiny", ["description=a run with spaces"]).scenario
    assert scenario.description == "a run with spaces"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("novalue", "--set: novalue: no '='; expected KEY=VALUE"),
        ("=3", "--set: =3: empty key; expected KEY=VALUE"),
        ("seed.x=1", "--set: seed.x=1: seed holds an int ≥ 0, not a table"),
        (
            "market..customers=1",
            "--set: market..customers=1: 'market..customers' is not a valid key",
        ),
        ("extends=baseline", "--set: extends=baseline: extends cannot be overridden"),
    ],
)
def test_bad_set(item: str, expected: str) -> None:
    assert only_problem("tiny", (item,)).startswith(expected)


def test_set_into_a_value_written_as_a_table_value() -> None:
    write("x.toml", "[market]\ncustomers = 200\n")
    assert only_problem("x.toml", ("market.customers.x=1",)).startswith(
        "--set: market.customers.x=1: market.customers holds an int"
    )


def test_bad_sets_reported_together() -> None:
    problems = problems_of("tiny", ("novalue", "=3", "seed=2"))
    assert [p.split(": ")[1] for p in problems] == ["novalue", "=3"]


def test_set_value_problems_name_the_override() -> None:
    problems = problems_of(
        "tiny", ("market.customers=abc", "market.custmers=5", "partners.oem.territories_each=9")
    )
    assert problems[0] == (
        "--set: market.customers=abc: 'abc' is not accepted; expected an int in [1, 1000000]"
    )
    assert problems[1] == "--set: market.custmers=5: unknown key; did you mean 'customers'?"
    assert len(problems) == 2  # the oem territories are a later stage


def test_set_registered_wins_without_registration() -> None:
    line = only_problem("tiny", ("program.conflict.rule=registered_wins",))
    assert line.startswith("--set: program.conflict.rule=registered_wins: 'registered_wins'")
    assert "program.deal_registration.enabled" in line


def test_set_inline_table_names_the_inner_key() -> None:
    line = only_problem("tiny", ("market.awareness={inovation=0.1}",))
    assert line == (
        "--set: market.awareness={inovation=0.1}: market.awareness.inovation: "
        "unknown key; did you mean 'innovation'?"
    )


# ---------------------------------------------------------------------------------------------
# every problem line names its file
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00",
        b"[market\n",
        b"[market]\ncustmers = 1\ncustomers = -1\n",
        b'extends = "missing"\n',
        b"[partners.oem]\nterritories_each = 9\n[partners.broker]\nterritories_each = 9\n",
        b'[product]\nmodel = "x"\n[time]\nperiods = 0\n',
    ],
)
def test_every_line_starts_with_the_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "named.toml", content)  # outside the working directory: absolute
    problems = problems_of(path)
    assert problems
    for line in problems:
        assert line.startswith(f"{path}: "), line
        assert "\n" not in line
        assert "Traceback" not in line


# ---------------------------------------------------------------------------------------------
# resolved dump
# ---------------------------------------------------------------------------------------------


def test_dump_round_trip_and_determinism(tmp_path: Path) -> None:
    write(
        "x.toml",
        'extends = "baseline"\n[product]\nsubscription_from_month = 13\n'
        '[direct]\nreps = "unlimited"\nterritories = ["north"]\n'
        '[program.exclusivity]\nvar = "open"\n[market.territories]\nnorth = 1\n"new york" = 2\n',
    )
    original = load_scenario("x.toml").scenario
    text = dump_resolved(original)
    assert text == dump_resolved(original)
    assert text == dump_resolved(load_scenario("x.toml").scenario)
    assert "extends" not in text
    resolved = write(tmp_path / "resolved.toml", text)
    again = load_scenario(resolved).scenario
    assert again == original
    assert dump_resolved(again) == text
    assert scenario_sha256(again) == scenario_sha256(original)
    assert len(scenario_sha256(original)) == 64


def test_dump_of_defaults_round_trips(tmp_path: Path) -> None:
    default = Scenario()
    text = dump_resolved(default)
    assert "subscription_from_month" not in text  # None is left out
    assert "[partners.broker]" in text  # every table spelled out
    assert load_scenario(write(tmp_path / "d.toml", text)).scenario == default


def test_sha256_changes_with_the_scenario() -> None:
    one = load_scenario("tiny").scenario
    two = load_scenario("tiny", ["seed=2"]).scenario
    assert scenario_sha256(one) != scenario_sha256(two)


def test_set_of_unknown_tables_names_the_override() -> None:
    problem = only_problem("tiny", ("no.such.key=1",))
    assert problem.startswith("--set: no.such.key=1: no: unknown key"), problem
    problem = only_problem("tiny", ("market.nope.x=1",))
    assert problem.startswith("--set: market.nope.x=1: market.nope: unknown key"), problem
