"""Inline SVG charts small enough to write by hand: no plotting library, no
script, a fixed size, every number also in a <title> tooltip."""
from __future__ import annotations

from html import escape

OPEN_END = "…"  # an edge label: the first or last bucket is open (holds the outliers)
RAW = "#9aa5b1"
SANITIZED = "#2563eb"
AXIS = "#475569"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def histogram(labels: list[str], raw: list[int], sanitized: list[int], *,
              width: int = 360, height: int = 150, title: str = "") -> str:
    """Raw and sanitized counts per bucket as side-by-side bars, each series
    scaled to its share of rows so the two shapes compare when rows were
    removed. ``labels`` has one more entry than buckets (the bucket edges)."""
    n = len(raw)
    raw_s, san_s = _shares(raw), _shares(sanitized)
    top = max(raw_s + san_s + [1e-9])
    left, right, upper, lower = 42, 6, 8, 20
    plot_w, plot_h = width - left - right, height - upper - lower
    slot = plot_w / max(n, 1)
    bar = slot * 0.42
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for i in range(n):
        for j, (share, count, colour) in enumerate(((raw_s[i], raw[i], RAW), (san_s[i], sanitized[i], SANITIZED))):
            h = plot_h * share / top
            x = left + i * slot + slot * 0.08 + j * bar
            what = "raw" if j == 0 else "sanitized"
            parts.append(f'<rect x="{x:.1f}" y="{upper + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{escape(labels[i])} to {escape(labels[i + 1])}: '
                         f'{what} {count} ({_pct(share)})</title></rect>')
    base = upper + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{AXIS}"/>')
    parts.append(f'<text x="{left - 4}" y="{upper + 8}" text-anchor="end" class="tick">{_pct(top)}</text>')
    if labels:
        # Ticks at the first, middle and last edge that is a number (open ends are not).
        first = 1 if labels[0] == OPEN_END and len(labels) > 2 else 0
        last = len(labels) - 2 if labels[-1] == OPEN_END and len(labels) - 2 > first else len(labels) - 1
        for i, anchor in ((first, "start"), ((first + last) // 2, "middle"), (last, "end")):
            parts.append(f'<text x="{left + i * slot:.1f}" y="{height - 5}" text-anchor="{anchor}" '
                         f'class="tick">{escape(labels[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def paired_rows(labels: list[str], raw: list[float], sanitized: list[float], *,
                width: int = 360, title: str = "") -> str:
    """One row per label, a raw bar above a sanitized bar, values as shares (0..1)."""
    label_w, value_w, row_h = 58, 48, 24
    plot_w = width - label_w - value_w
    height = row_h * len(labels) + 4
    top = max(list(raw) + list(sanitized) + [1e-9])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for i, label in enumerate(labels):
        y = 2 + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="tick">{escape(label)}</text>')
        for j, (share, colour) in enumerate(((raw[i], RAW), (sanitized[i], SANITIZED))):
            w = plot_w * share / top
            what = "raw" if j == 0 else "sanitized"
            parts.append(f'<rect x="{label_w}" y="{y + 2 + j * 10}" width="{w:.1f}" height="9" fill="{colour}">'
                         f'<title>{escape(label)}: {what} {_pct(share)} of rows</title></rect>')
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 10 + j * 10}" class="tick">{_pct(share)}</text>')
    parts.append("</svg>")
    return "".join(parts)
