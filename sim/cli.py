"""Command-line interface (placeholder until the commands land)."""


def main() -> None:
    """Run the ``channelsim`` command."""
    raise SystemExit("not yet")
