"""Documents cite only files the repository ships: relative links resolve, no outside paths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
"""A Markdown link's target: ``[text](target)`` or ``[text](target "title")``."""
OUTSIDE = re.compile(r"\.\./shared/|/work/shared/|reference/industry\.md")
"""Paths to files outside the repository that documents used to cite."""


def _relative_targets(text: str) -> list[str]:
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"^([a-z][a-z0-9+.-]*:|#)", t)]


def test_link_pattern_finds_relative_links_only() -> None:
    text = '[a](docs/x.md#y) [b](https://e.org) [c](#anchor) [d](img/p.png "t") [e](mailto:q)'
    assert _relative_targets(text) == ["docs/x.md#y", "img/p.png"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_resolves(doc: Path) -> None:
    missing = [
        target
        for target in _relative_targets(doc.read_text(encoding="utf-8"))
        if not (doc.parent / target.split("#", 1)[0]).resolve().exists()
    ]
    assert missing == [], f"{doc.relative_to(REPO)} links to files not in the repository"


def test_no_document_cites_a_file_outside_the_repository() -> None:
    files = [*DOCS, *sorted((REPO / "scenarios").rglob("*.toml"))]
    cited = [
        f"{path.relative_to(REPO)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert cited == [], "cite industry.md by label and list its sources in docs/sources.md"


def test_sources_explain_the_industry_reference() -> None:
    text = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    assert '## The reference cited as "industry.md"' in text
    for source in ("Transformance", "Leadtributor", "Cisco incentive taxonomy", "elinkages"):
        assert source in text
