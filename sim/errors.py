"""Errors shared across the package.

``InputError`` is the one exception for bad input of any kind (scenario files, sweep files,
``--set`` values, output directories). The CLI prints ``str(err)`` to stderr and exits with
status 2, without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class InputError(Exception):
    """Bad input: one or more problems, each a full line.

    Every line has the form ``<file>: <key path>: <message>``, e.g.
    ``scenarios/x.toml: partners.var.count: -3 is not accepted; expected an int ≥ 0``. Where there
    is no file (a ``--set`` value) the file part is ``--set``.

    Attributes:
        problems: The problems, one full line each, in the order found.
    """

    problems: list[str]

    def __init__(self, problems: str | Iterable[str]) -> None:
        """Create the error.

        Args:
            problems: One problem line, or several.
        """
        lines = [problems] if isinstance(problems, str) else list(problems)
        self.problems = lines
        # args holds the list itself so that the error pickles (Dask, process pools) intact.
        super().__init__(lines)

    def __str__(self) -> str:
        return "\n".join(self.problems)

    def __repr__(self) -> str:
        return f"InputError({self.problems!r})"
