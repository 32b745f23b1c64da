"""The repository explains itself: no tracked file cites a document that is
not in it (the product brief lives outside the repository, so code and docs
cite docs/analysis.md and docs/architecture.md instead), and every such
citation points at a file and an anchor that exist."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(r"DESIGN(\s*§|\.md)")  # the brief, by section or by file name
CITED = re.compile(r"docs/([a-z_]+\.md)#([A-Za-z0-9_-]+)")


def _tracked_texts() -> dict[str, str]:
    """Every file git tracks that reads as UTF-8 text, by its path."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    texts = {}
    for name in filter(None, listed.decode().split("\0")):
        path = ROOT / name
        if path.is_file():  # a file deleted in the working tree is still listed
            try:
                texts[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:  # binary: images, GeoPackages, Latin-1 fixtures
                continue
    return texts


def _anchors(markdown: str) -> set[str]:
    """Explicit ``<a id="…">`` anchors and GitHub's heading slugs."""
    ids = set(re.findall(r'<a id="([^"]+)"', markdown))
    for heading in re.findall(r"^#+\s+(.+)$", markdown, flags=re.M):
        ids.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return ids


def test_no_tracked_file_cites_the_brief_outside_the_repository():
    texts = _tracked_texts()
    assert "README.md" in texts and "geo/analysis/gaps.py" in texts  # the listing works
    hits = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for name, text in texts.items()
        for m in OUTSIDE.finditer(text)
    ]
    assert not hits, "cite docs/analysis.md or docs/architecture.md instead:\n" + "\n".join(hits)


def test_every_cited_docs_anchor_exists():
    texts = _tracked_texts()
    anchors = {name: _anchors(text) for name, text in texts.items() if name.startswith("docs/")}
    cited = {(m.group(1), m.group(2), name) for name, text in texts.items() for m in CITED.finditer(text)}
    assert cited  # the code does cite the docs (else the pattern is wrong)
    missing = sorted(
        f"{name} cites docs/{doc}#{anchor}"
        for doc, anchor, name in cited
        if anchor not in anchors.get(f"docs/{doc}", set())
    )
    assert not missing, "\n".join(missing)
