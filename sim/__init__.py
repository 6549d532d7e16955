"""ChannelSim: an agent-based simulator of sales-channel strategy.

The Python API is :mod:`sim.api` (``import sim.api as cs``; see ``docs/python.md``). It is not
re-exported here: its ``compare`` and ``sweep`` would shadow the :mod:`sim.compare` and
:mod:`sim.sweep` modules, and importing it would slow ``channelsim --help``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("channelsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
