"""The shape of the code: no function body longer than 60 lines, no engine module over 400.

Both limits come from issue 10 ("One engine a newcomer can read"). A function's body is counted
from its first statement after the docstring to its last line (comments and blank lines
inside included); nested functions count towards their parent and are checked on their own.

There is no allowlist: a function or module over the limit is split, not excused.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"

MAX_FUNCTION_BODY_LINES = 60
MAX_ENGINE_MODULE_LINES = 400

ENGINE_MODULES: tuple[str, ...] = (
    "sim/model.py",
    "sim/engine/*.py",
    "sim/agents/*.py",
    "sim/sales/*.py",
    "sim/market/*.py",
    "sim/billing.py",
    "sim/metrics.py",
    "sim/economics/*.py",
    "sim/program/*.py",
)
"""Glob patterns (relative to the repository) of the engine's modules."""


@dataclass(frozen=True)
class Function:
    """A function or method of the package and the length of its body."""

    key: str
    line: int
    body_lines: int


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's last line."""
    body = node.body
    first = body[0]
    has_docstring = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    start = body[1] if has_docstring and len(body) > 1 else first
    assert node.end_lineno is not None
    return node.end_lineno - start.lineno + 1


def _functions(path: Path) -> list[Function]:
    """Every function of a module, nested ones included, keyed ``path::Qual.name``."""
    rel = path.relative_to(ROOT).as_posix()
    found: list[Function] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                found.append(Function(f"{rel}::{name}", child.lineno, _body_lines(child)))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def _all_functions() -> list[Function]:
    """Every function of the package."""
    return [f for path in sorted(PACKAGE.rglob("*.py")) for f in _functions(path)]


def _engine_module_lines() -> dict[str, int]:
    """Line counts of the engine's modules, keyed by their path in the repository."""
    paths = {path for pattern in ENGINE_MODULES for path in ROOT.glob(pattern)}
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(paths)
    }


def test_no_function_body_is_longer_than_the_limit() -> None:
    offenders = [f for f in _all_functions() if f.body_lines > MAX_FUNCTION_BODY_LINES]
    listing = "\n".join(
        f"  {f.key.split('::')[0]}:{f.line} {f.key.split('::')[1]}: {f.body_lines} body lines"
        for f in offenders
    )
    assert not offenders, (
        f"functions whose body is longer than {MAX_FUNCTION_BODY_LINES} lines "
        f"(split them into helpers with one purpose each):\n{listing}"
    )


def test_no_engine_module_is_longer_than_the_limit() -> None:
    offenders = {
        path: lines
        for path, lines in _engine_module_lines().items()
        if lines > MAX_ENGINE_MODULE_LINES
    }
    listing = "\n".join(f"  {path}: {lines} lines" for path, lines in offenders.items())
    assert not offenders, (
        f"engine modules longer than {MAX_ENGINE_MODULE_LINES} lines "
        f"(split them by mechanism):\n{listing}"
    )


def test_body_lines_skip_the_docstring_and_count_the_rest() -> None:
    source = 'def f():\n    """Doc."""\n    x = 1\n\n    return x\n\ndef g():\n    return 1\n'
    tree = ast.parse(source)
    f, g = (node for node in tree.body if isinstance(node, ast.FunctionDef))
    assert _body_lines(f) == 3
    assert _body_lines(g) == 1
