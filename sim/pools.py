"""The start method of worker processes, and the check that makes a missing guard fail at once.

``compare`` and ``sweep`` start their worker processes with ``spawn`` (never ``fork``: the
parent may hold threads, BLAS or Arrow, that a fork would copy in an undefined state). A spawned
worker imports the parent's main module again before it runs a task. When that module is a
script that calls :mod:`sim.api` at its top level, without ``if __name__ == "__main__":``, every
worker would run the script again and die trying to start its own pool; the parent would see only
failed runs. :func:`spawn_context` finds that case before any worker starts and raises
:class:`UnguardedMainError` with what to do instead.

The main module is not imported again (and nothing is checked) in a notebook or an interactive
session, with ``python -c``, and for a package's ``__main__`` module (``python -m sim``): there
``spawn`` leaves the workers' ``__main__`` alone.
"""

from __future__ import annotations

import ast
import multiprocessing
import sys
from multiprocessing.context import BaseContext
from pathlib import Path
from types import FrameType, ModuleType

START_METHOD = "spawn"
"""How worker processes start."""


class UnguardedMainError(RuntimeError):
    """A process pool was asked for from the unguarded top level of a script."""


def _reimported_main() -> tuple[ModuleType, Path] | None:
    """The main module and its file when ``spawn`` workers import it again, else None.

    This mirrors :func:`multiprocessing.spawn.get_preparation_data`.
    """
    main = sys.modules.get("__main__")
    if main is None:
        return None
    spec_name = getattr(getattr(main, "__spec__", None), "name", None)
    if spec_name is not None and (spec_name == "__main__" or spec_name.endswith(".__main__")):
        return None
    path = getattr(main, "__file__", None)
    if not path:
        return None
    return main, Path(path)


def _is_main_guard(node: ast.stmt) -> bool:
    """Whether a statement is ``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1


def _guarded_lines(source: str) -> list[tuple[int, int]]:
    """The line ranges of the module-level ``if __name__ == "__main__":`` blocks."""
    tree = ast.parse(source)
    return [
        (node.lineno, node.end_lineno or node.lineno) for node in tree.body if _is_main_guard(node)
    ]


def _module_frame(main: ModuleType) -> FrameType | None:
    """The frame running the main module's top-level code, if it is on the stack."""
    frame: FrameType | None = sys._getframe(1)
    found = None
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            found = frame
        frame = frame.f_back
    return found


def check_main_guard(what: str) -> None:
    """Raise when a pool is started from the unguarded top level of a re-imported script.

    Args:
        what: What starts the pool, for the message (e.g. ``compare with workers=2``).

    Raises:
        UnguardedMainError: The main module is a script that ``spawn`` workers import again and
            the call comes from its top level outside ``if __name__ == "__main__":``.
    """
    found = _reimported_main()
    if found is None:
        return
    main, path = found
    frame = _module_frame(main)
    if frame is None:  # the main module has finished running: no worker will re-run the call
        return
    try:
        guarded = _guarded_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return  # cannot tell: let the workers start
    line = frame.f_lineno
    if any(first <= line <= last for first, last in guarded):
        return
    raise UnguardedMainError(
        f"{path.name}, line {line}: {what} starts worker processes with '{START_METHOD}', "
        "which import this script again and would run this call in every worker; expected the "
        'call under `if __name__ == "__main__":` (or in a function called from there), or '
        "workers=1"
    )


def spawn_context(what: str) -> BaseContext:
    """The ``spawn`` context for a process pool, after :func:`check_main_guard`.

    Args:
        what: What starts the pool, for the message.

    Returns:
        The multiprocessing context to pass as ``mp_context``.

    Raises:
        UnguardedMainError: See :func:`check_main_guard`.
    """
    check_main_guard(what)
    return multiprocessing.get_context(START_METHOD)
