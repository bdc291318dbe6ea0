"""HTML building blocks: escaping by default, one stylesheet, no script."""
from __future__ import annotations

from html import escape


class Html(str):
    """Text that is already HTML and is inserted as is."""


def h(value) -> str:
    """``value`` as HTML: Html passes through, anything else is escaped."""
    if isinstance(value, Html):
        return value
    return escape("—" if value is None else str(value))


def tag(name: str, body, cls: str | None = None) -> Html:
    attr = f' class="{escape(cls)}"' if cls else ""
    return Html(f"<{name}{attr}>{h(body)}</{name}>")


def table(headers: list[str], rows: list[list], cls: str = "grid") -> Html:
    head = "".join(f"<th>{h(x)}</th>" for x in headers)
    body = "".join("<tr>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return Html(f'<table class="{escape(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def join(parts) -> Html:
    return Html("".join(h(p) for p in parts))


CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #0f172a;
       background: #f8fafc; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.muted, .tick { color: #64748b; fill: #64748b; font-size: 11px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(370px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 12px; }
.chip { display: inline-block; background: #e0e7ff; color: #3730a3; border-radius: 10px;
        padding: 0 8px; margin: 0 4px 4px 0; font-size: 12px; }
.chip.drop { background: #fee2e2; color: #991b1b; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
.stats { display: flex; gap: 14px; flex-wrap: wrap; margin: 6px 0; }
.stats b { display: block; font-size: 16px; }
table.grid { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
table.grid th, table.grid td { border-bottom: 1px solid #e2e8f0; padding: 4px 8px; text-align: left;
                               vertical-align: top; }
table.grid th { background: #f1f5f9; }
table.top td:last-child, table.top th:last-child { text-align: right; }
table.top { width: 100%; font-size: 12px; } table.top td { padding: 1px 4px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
code { font-size: 12px; word-break: break-all; }
.risk-high { color: #b91c1c; } .risk-ok { color: #15803d; }
"""


def page(title: str, body) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{h(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{h(body)}</main></body></html>\n")
