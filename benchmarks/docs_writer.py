"""Write `make bench`'s tables into docs/performance.md, between named markers.

The page keeps its prose by hand and its figures by machine: each block of
figures sits between ``<!-- bench:begin NAME -->`` and ``<!-- bench:end NAME -->``
and is replaced by the section of the same name from the report this run
printed. A section the run did not measure (``--no-spark``, ``--no-cape``, ...)
leaves its block as it was, so a partial run never blanks figures it did not
take. Figures used to be pasted into the README by hand, and went stale.
"""
from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "performance.md"

# report() headings ("### dbt run, 3,000,000 rows, ...") -> block names.
_HEADINGS = (
    ("### dbt run,", "throughput"),
    ("### Functions alone", "functions"),
    ("### cape-dataframes", "cape"),
    ("### Peak RSS", "memory"),
    ("### Tokenizer on local Spark", "spark"),
    ("### Targets", "targets"),
)
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def sections_from_report(report: str) -> dict[str, str]:
    """Split benchmarks.run.report()'s text into named blocks.

    Text before the first heading and the closing "Total benchmark time" line
    form the ``machine`` block; several "Functions alone" sections (one per
    thread count) join into one ``functions`` block.
    """
    sections: dict[str, list[str]] = {"machine": []}
    current = "machine"
    for line in report.splitlines():
        if line.startswith("### "):
            current = next((name for prefix, name in _HEADINGS if line.startswith(prefix)), line)
            sections.setdefault(current, [])
        elif line.startswith("Total benchmark time"):
            while sections["machine"] and not sections["machine"][-1].strip():
                sections["machine"].pop()
            sections["machine"] += ["", line]
            continue
        sections[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()
            if _NAME.match(name) and "\n".join(lines).strip()}


def _pattern(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- bench:begin {re.escape(name)} -->\n)(.*?)(<!-- bench:end {re.escape(name)} -->)", re.S)


def replace_blocks(text: str, blocks: dict[str, str]) -> tuple[str, list[str]]:
    """Replace each named block's body in `text`; return the new text and the names replaced.

    A block named in `blocks` but absent from the page is skipped (the page
    chooses what it shows); a begin marker without its end is an error, since
    silently skipping it would leave stale figures that look fresh.
    """
    for begin in re.findall(r"<!-- bench:begin ([^ ]+) -->", text):
        if f"<!-- bench:end {begin} -->" not in text:
            raise ValueError(f"docs page: marker 'bench:begin {begin}' has no 'bench:end {begin}'")
    replaced = []
    for name, body in blocks.items():
        pattern = _pattern(name)
        if not pattern.search(text):
            continue
        # A function as replacement: the body is inserted verbatim (no \1 or \g<> escapes).
        text = pattern.sub(lambda m, body=body: m.group(1) + body.strip() + "\n" + m.group(3), text, count=1)
        replaced.append(name)
    return text, replaced


def write_report(report: str, page: Path = PAGE) -> list[str]:
    """Write the report's sections into `page`; return the block names written."""
    page = Path(page)
    text, replaced = replace_blocks(page.read_text(encoding="utf-8"), sections_from_report(report))
    if replaced:
        page.write_text(text, encoding="utf-8")
    return replaced
