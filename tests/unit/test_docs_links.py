"""The docs stay navigable: every relative link in README.md, CHANGELOG.md and docs/ points
at a file that exists (and, into a Markdown file, at a heading it has), and every
transform in the registry has its page and its row in the README's index."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cape_udfs.transforms import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def _prose(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code removed (a link in code is not a link)."""
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append(re.sub(r"`[^`]*`", "", line))
    return out


def _slug(heading: str) -> str:
    # GitHub's anchors: lower case, punctuation dropped (word characters, spaces and hyphens
    # stay), spaces become hyphens.
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for line in _prose(path.read_text(encoding="utf-8")):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = _slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(path: Path) -> list[str]:
    return [m.group(1) for line in _prose(path.read_text(encoding="utf-8")) for m in LINK.finditer(line)]


def _code_headings(path: Path) -> set[str]:
    # Headings written with inline code (`## apply_policy` style) keep their text: _prose
    # strips inline code, so read those headings from the raw text too.
    return {_slug(m.group(1)) for m in re.finditer(r"(?m)^#{1,6}\s+(.*`.*)$", path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT) if ROOT in dest.parents else dest}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest) | _code_headings(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_every_transform_has_a_page_and_an_index_row():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = (ROOT / "docs" / "transforms" / "README.md").read_text(encoding="utf-8")
    for name in REGISTRY:
        assert (ROOT / "docs" / "transforms" / f"{name}.md").is_file(), name
        assert f"(docs/transforms/{name}.md)" in readme, name
        assert f"({name}.md)" in index, name


def test_readme_is_a_front_door():
    # The reference lives in docs/; the README stays short enough to read (issue 13: ~400 lines at most).
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 400


def test_the_link_checker_sees_a_broken_link(tmp_path):
    # The checker itself: a link to a missing file or heading is found, one in code is not.
    page = tmp_path / "p.md"
    page.write_text("# Title\n\n[a](missing.md) [b](#title) [c](#nope)\n\n"
                    "```\n[d](also-missing.md)\n```\n`[e](x.md)`\n")
    assert links(page) == ["missing.md", "#title", "#nope"]
    assert anchors(page) == {"title"}
