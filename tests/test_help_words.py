"""Every command's ``--help`` reads in words: no ``<bool>``-style type placeholders."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from sim.cli import app

PLACEHOLDER = re.compile(r"<[^<>\n]{1,40}>")
"""An angle-bracket placeholder such as ``<bool>``, ``<int range>`` or ``<UTC time>``."""


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_checked() -> None:
    assert {"run", "validate", "compare", "sweep", "check-model"} <= set(_commands())


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_has_no_placeholders(command: str | None) -> None:
    text = _help(["--help"] if command is None else [command, "--help"])
    assert "Usage" in text
    assert PLACEHOLDER.findall(text) == []


def test_flags_show_no_type_and_options_a_word() -> None:
    text = _help(["run", "--help"])
    quiet = next(line for line in text.splitlines() if "--quiet" in line)
    assert "bool" not in quiet
    seed = next(line for line in text.splitlines() if "--seed" in line)
    assert "INTEGER" in seed
