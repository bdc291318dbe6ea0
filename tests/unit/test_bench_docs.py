"""benchmarks/docs_writer.py: `make bench` rewrites only the figures between the page's markers."""
from __future__ import annotations

import pytest

from benchmarks.docs_writer import PAGE, replace_blocks, sections_from_report, write_report
from benchmarks.run import report

PAGE_TEXT = """# Performance

Prose written by hand stays.

<!-- bench:begin machine -->
old machine line
<!-- bench:end machine -->

Between the blocks, by hand.

<!-- bench:begin functions -->
| old | table |
<!-- bench:end functions -->

<!-- bench:begin spark -->
old spark figures, kept when a run skips Spark
<!-- bench:end spark -->
"""


def _results() -> dict:
    # The smallest results dict report() renders: throughput, functions at two thread counts, targets.
    machine = {"cpu": "test cpu", "cores": 2, "memory": "1 GiB", "load_average": "0.1", "python": "3.11",
               "duckdb": "1", "dbt-core": "1", "dbt-duckdb": "1", "openssl": "OpenSSL 3", "hmac": "compiled"}
    fn = {"native sha256": {"seconds": 0.1, "ratio": 1.0}, "tokenizer (HMAC-SHA256)": {"seconds": 0.2, "ratio": 2.0}}
    return {
        "machine": machine, "rows": 1000, "rounds": 1, "memory_limit": "default",
        "throughput": {"bench_sha256": {"what": "native sha256(email), table", "wall_s": 3.0, "execute_s": 1.0,
                                        "rows_per_s": 1000.0, "ratio_execute": 1.0, "ratio_wall": 1.0,
                                        "peak_rss_mib": 100.0}},
        "functions": [{"threads": 2, "results": fn}, {"threads": 1, "results": fn}],
        "targets": [{"what": "tokenizer x sha256", "value": 1.1, "bound": 1.3, "at_most": True, "met": True}],
        "total_s": 12.0, "load_average_end": "0.2",
    }


def test_report_splits_into_the_named_blocks():
    sections = sections_from_report(report(_results()))
    assert set(sections) == {"machine", "throughput", "functions", "targets"}
    assert sections["machine"].startswith("Machine: test cpu")
    assert sections["machine"].endswith("load average at end 0.2.")  # the closing line joins the header
    assert "\n\n\n" not in sections["machine"]
    assert sections["functions"].count("### Functions alone") == 2  # both thread counts, one block
    assert sections["throughput"].startswith("### dbt run, 1,000 rows")


def test_write_report_replaces_blocks_and_keeps_prose_and_unmeasured_blocks(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text(PAGE_TEXT)
    written = write_report(report(_results()), page)
    text = page.read_text()
    assert written == ["machine", "functions"]  # the page has no throughput or targets block
    assert "old machine line" not in text and "| old | table |" not in text
    assert "Machine: test cpu" in text and "| tokenizer (HMAC-SHA256) | 0.200 |" in text
    assert "Prose written by hand stays." in text and "Between the blocks, by hand." in text
    assert "old spark figures, kept when a run skips Spark" in text
    # A second run replaces the same blocks again rather than nesting or appending.
    write_report(report(_results()), page)
    assert page.read_text() == text


def test_body_is_inserted_verbatim():
    # Backslashes and group references in figures must not be read as regex escapes.
    text, replaced = replace_blocks("<!-- bench:begin a -->\nx\n<!-- bench:end a -->\n", {"a": r"C:\1 \g<0>"})
    assert replaced == ["a"] and text == "<!-- bench:begin a -->\nC:\\1 \\g<0>\n<!-- bench:end a -->\n"


def test_unclosed_marker_fails_naming_it(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("<!-- bench:begin functions -->\nstale\n")
    with pytest.raises(ValueError, match="bench:begin functions"):
        write_report(report(_results()), page)
    assert page.read_text() == "<!-- bench:begin functions -->\nstale\n"  # untouched


def test_the_real_page_has_a_closed_block_for_every_section():
    text = PAGE.read_text()
    for name in ("machine", "throughput", "functions", "cape", "memory", "spark", "targets"):
        assert text.count(f"<!-- bench:begin {name} -->") == 1, name
        assert text.count(f"<!-- bench:end {name} -->") == 1, name
