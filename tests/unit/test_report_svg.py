"""cape_udfs.report.svg and .html: well-formed, escaped, script-free output."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cape_udfs.report import html, svg

NS = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_histogram_is_well_formed_with_two_bars_per_bucket():
    root = parse(svg.histogram(["0", "1", "2", "3"], [1, 2, 3], [3, 0, 1], title="age"))
    rects = root.findall(f"{NS}rect")
    assert len(rects) == 6
    assert [r.get("fill") for r in rects[:2]] == [svg.RAW, svg.SANITIZED]
    # Each series is scaled to its share: raw 3/6 and sanitized 3/4 -> the tallest bar is sanitized.
    heights = [float(r.get("height")) for r in rects]
    assert max(heights) == heights[1]
    assert heights[3] == 0  # an empty bucket draws no bar
    assert rects[0].find(f"{NS}title").text == "0 to 1: raw 1 (16.7%)"


def test_ticks_skip_open_ends():
    root = parse(svg.histogram([svg.OPEN_END, "0", "10", "20", "30", svg.OPEN_END], [1] * 5, [1] * 5))
    ticks = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "tick" and "%" not in t.text]
    assert ticks == ["0", "10", "30"]
    titles = [r.find(f"{NS}title").text for r in root.findall(f"{NS}rect")]
    assert titles[0].startswith("… to 0: raw 1") and titles[-1].startswith("30 to …: sanitized 1")


def test_histogram_of_nothing_does_not_divide_by_zero():
    root = parse(svg.histogram(["a", "b"], [0], [0]))
    assert [float(r.get("height")) for r in root.findall(f"{NS}rect")] == [0, 0]


def test_labels_are_escaped():
    text = svg.histogram(["<a&b>", "x", "y"], [1, 1], [1, 1], title='"quoted" <t>')
    root = parse(text)  # would raise on unescaped markup
    assert "<a&b>" not in text
    assert any(t.text == "<a&b>" for t in root.iter(f"{NS}text"))


def test_paired_rows_has_a_raw_and_a_sanitized_bar_per_label():
    root = parse(svg.paired_rows(["1", "2", "3–4"], [0.5, 0.25, 0.25], [0.0, 0.0, 1.0]))
    rects = root.findall(f"{NS}rect")
    assert len(rects) == 6
    assert float(root.get("height")) == 3 * 24 + 4
    assert [t.text for t in root.iter(f"{NS}text")][:3] == ["1", "50.0%", "0.0%"]


@pytest.mark.parametrize("value, expected", [
    ("<script>", "&lt;script&gt;"),
    (None, "—"),
    (3, "3"),
    (html.Html("<b>x</b>"), "<b>x</b>"),  # already HTML: passed through
])
def test_h_escapes_everything_but_html(value, expected):
    assert html.h(value) == expected


def test_table_escapes_cells():
    out = html.table(["a<"], [["<i>", html.Html("<b>ok</b>")]])
    assert "<th>a&lt;</th>" in out and "<td>&lt;i&gt;</td>" in out and "<td><b>ok</b></td>" in out


def test_page_is_self_contained():
    out = html.page("t", "body")
    assert out.startswith("<!DOCTYPE html>")
    for outside in ("<script", "src=", "url(", "@import", "http://", "https://"):
        assert outside not in out
