"""``cape-udfs report``: one self-contained HTML page comparing raw and
sanitized tables after ``dbt build``.

It opens the DuckDB file read-only with plain DuckDB (no cape functions, no
keys), so it reads tables, not views that call cape's functions. Which table
was sanitized from which comes from ``--model NAME=RAW_RELATION`` or from the
audit table cape's on-run-end hook writes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from cape_udfs.errors import CapeError
from cape_udfs.report import data, svg
from cape_udfs.report.html import Html, h, join, page, table, tag

DEFAULT_AUDIT_TABLE = "main.cape_audit"


def _parts(relation: str) -> list[str]:
    return [p.strip('"').lower() for p in relation.split(".")]


def _same_relation(a: str, b: str) -> bool:
    pa, pb = _parts(a), _parts(b)
    n = min(len(pa), len(pb))
    return pa[-n:] == pb[-n:]


def _pct(share) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _legend() -> Html:
    return Html(f'<div class="legend muted"><span style="background:{svg.RAW}"></span>raw'
                f'<span style="background:{svg.SANITIZED}"></span>sanitized</div>')


def _stat(label: str, value) -> Html:
    return Html(f"<div><b>{h(value)}</b><span class=\"muted\">{h(label)}</span></div>")


def _top_table(title: str, top: list, min_count: int) -> Html:
    if not top:
        return Html(f'<div class="muted">{h(title)}: no value occurs in {min_count}+ rows</div>')
    return table([title, "rows"], [[v, n] for v, n in top], cls="top")


def _column_card(col: data.ColumnReport, min_count: int) -> Html:
    chips = [Html(f'<span class="chip">{h(tr)}</span>') for tr in col.transforms]
    stats = [_stat("distinct raw → sanitized", f"{col.raw['distinct']:,} → {col.sanitized['distinct']:,}"),
             _stat("NULLs raw → sanitized", f"{col.raw['nulls']:,} → {col.sanitized['nulls']:,}")]
    if col.changed is not None:
        stats.append(_stat("rows changed", _pct(col.changed)))
    elif col.equal_to_raw is not None:
        stats.append(_stat("values equal to a raw value", _pct(col.equal_to_raw)))
    body = [Html(f"<h3>{h(col.name)}</h3>"), *chips,
            Html(f'<div class="muted">raw {h(col.raw_type)} → sanitized {h(col.sanitized_type)}</div>'),
            Html(f'<div class="stats">{join(stats)}</div>')]
    if col.histogram:
        labels, raw, san = col.histogram
        body += [Html(svg.histogram(labels, raw, san, title=f"{col.name}: raw and sanitized distribution")), _legend()]
    elif col.kind in ("number", "time"):  # any bin edge would describe fewer than min_count rows
        body.append(Html(f'<div class="muted">no histogram: too few values in both tables '
                         f'for --min-count {min_count}</div>'))
    elif col.kind == "text":
        body.append(Html(f'<div class="pair">{_top_table("raw top values", col.raw["top"], min_count)}'
                         f'{_top_table("sanitized top values", col.sanitized["top"], min_count)}</div>'))
    return Html(f'<div class="card">{join(body)}</div>')


def _risk_card(risk: data.RiskReport, small: int) -> Html:
    title = "Quasi-identifiers: " + ", ".join(risk.quasi_identifiers)
    if risk.missing:
        return Html(f'<div class="card"><h3>{h(title)}</h3><div class="muted">not in the sanitized table: '
                    f'{h(", ".join(risk.missing))}</div></div>')
    raw, san = risk.raw or {}, risk.sanitized

    def k_cell(stats):
        if not stats or stats.get("k") is None:
            return "—"
        return Html(f'<span class="{"risk-high" if stats["k"] < small else "risk-ok"}">{stats["k"]:,}</span>')

    rows = [["groups", raw.get("groups"), san["groups"]],
            ["smallest group (k)", k_cell(raw), k_cell(san)],
            ["highest prosecutor risk (1/k)", _pct(raw.get("max_risk")), _pct(san["max_risk"])],
            ["average prosecutor risk (groups/rows)", _pct(raw.get("avg_risk")), _pct(san["avg_risk"])],
            [f"rows in groups smaller than {small}", _pct(raw.get("small_share")), _pct(san["small_share"])]]
    labels = [label for label, _, _ in data.SIZE_BUCKETS]
    chart = svg.paired_rows(labels, raw.get("buckets") or [0.0] * len(labels), san["buckets"],
                            title="share of rows by group size")
    return Html(f'<div class="card"><h3>{h(title)}</h3>{table(["", "raw", "sanitized"], rows)}'
                f'<div class="muted" style="margin-top:8px">share of rows by size of their group</div>'
                f'{Html(chart)}{_legend()}</div>')


def _model_section(m: data.ModelReport, min_count: int, small: int) -> Html:
    out = [Html(f'<h2 id="{h(m.name)}">{h(m.name)}</h2>')]
    source = f"{m.relation} ← {m.raw_relation}"
    if m.audit:
        source += f" · policy {m.audit.get('policy_label')} ({m.audit.get('policy_path')}), " \
                  f"digest {str(m.audit.get('policy_digest'))[:12]}"
    out.append(tag("p", source, "muted"))
    if m.error:
        out.append(Html(f'<div class="card">cannot read this model with plain DuckDB: {h(m.error)} '
                        '(views that call cape functions need to be materialized as tables)</div>'))
        return join(out)
    removed = m.raw_rows - m.sanitized_rows
    facts = [_stat("raw rows", f"{m.raw_rows:,}"), _stat("sanitized rows", f"{m.sanitized_rows:,}"),
             _stat("rows removed", f"{removed:,} ({_pct(removed / m.raw_rows if m.raw_rows else None)})"),
             _stat("row key for 'rows changed'", m.key or "none (compared as sets of values)")]
    out.append(Html(f'<div class="stats">{join(facts)}</div>'))
    cards = [_risk_card(m.risk, small)] if m.risk else []
    cards += [_column_card(c, min_count) for c in m.columns if c.kind != "dropped"]
    out.append(Html(f'<div class="cards">{join(cards)}</div>'))
    dropped = [Html(f'<span class="chip drop">{h(c.name)}</span>') for c in m.columns if c.kind == "dropped"]
    if dropped:
        out.append(Html(f'<p>Dropped (not in the sanitized table): {join(dropped)}</p>'))
    if m.unchanged:
        out.append(tag("p", "Columns passed through unchanged: " + ", ".join(m.unchanged), "muted"))
    return join(out)


def _audit_table(rows: list[dict]) -> Html:
    if not rows:
        return tag("p", "No audit rows for these models.", "muted")
    body = []
    for r in rows[:50]:
        applied = ", ".join(f"{a['column']}: {a['transform']}" for a in r.get("applied") or [])
        body.append([r.get("finished_at"), r.get("model_unique_id"), r.get("policy_label"),
                     Html(f"<code>{h(str(r.get('policy_digest'))[:16])}</code>"),
                     r.get("rows_in"), r.get("rows_out"), applied, Html(f"<code>{h(r.get('invocation_id'))}</code>")])
    return table(["finished (UTC)", "model", "policy", "digest", "rows in", "rows out", "applied", "invocation"], body)


def build_report(database: str | Path, models: dict[str, str] | None = None,
                 quasi_identifiers: list[str] | None = None, audit_table: str = DEFAULT_AUDIT_TABLE,
                 min_count: int = 10, k: int = 5) -> str:
    """The report's HTML. ``models`` maps a sanitized relation to its raw
    relation; without it, every relation in the audit table is reported."""
    import duckdb

    path = Path(database)
    if not path.is_file():
        raise CapeError(f"database file {path} does not exist")
    if min_count < 1 or k < 1:
        raise CapeError("--min-count and --k must be at least 1")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:
        raise CapeError(f"cannot open {path} read-only: {str(exc).splitlines()[0]}") from None
    try:
        audit = data.read_audit(con, audit_table)
        latest = data.latest_per_relation(audit)
        if models:
            pairs = []
            for name, raw in models.items():
                row = next((r for rel, r in latest.items() if _same_relation(rel, name)), None)
                pairs.append((name, name, raw, row))
        else:
            if not latest:
                raise CapeError(f"no audit rows in {audit_table}: run dbt build first, "
                                "or pass --model NAME=RAW_RELATION")
            pairs = [(_parts(rel)[-1], rel, row["source_relation"], row) for rel, row in sorted(latest.items())]
        reports = [data.profile_model(con, name, rel, raw, row, quasi_identifiers or [], min_count, k)
                   for name, rel, raw, row in pairs]
    finally:
        con.close()

    relations = [rel for _, rel, _, _ in pairs]
    audit_rows = [r for r in audit if any(_same_relation(r["relation"], rel) for rel in relations)]
    summary = [[Html(f'<a href="#{h(m.name)}">{h(m.name)}</a>'), m.raw_relation,
                f"{m.raw_rows:,} → {m.sanitized_rows:,}" if not m.error else "unreadable",
                (m.audit or {}).get("policy_label"),
                ", ".join(c.name for c in m.columns if c.kind != "dropped") or "—",
                ", ".join(c.name for c in m.columns if c.kind == "dropped") or "—"] for m in reports]
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    qi = ", ".join(quasi_identifiers) if quasi_identifiers else "none given"
    body = [Html("<h1>Cape privacy report</h1>"),
            tag("p", f"{path.name} · generated {generated} · quasi-identifiers: {qi} · "
                     f"values are quoted only when they occur in {min_count}+ rows", "muted"),
            table(["model", "raw relation", "rows raw → sanitized", "policy", "transformed", "dropped"], summary),
            *[_model_section(m, min_count, k) for m in reports],
            Html("<h2>Audit trail</h2>"), _audit_table(audit_rows)]
    return page("Cape privacy report", join(body))


def _split_models(items: list[str]) -> dict[str, str]:
    models = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip() or not raw.strip():
            raise CapeError(f"--model expects NAME=RAW_RELATION, got '{item}'")
        models[name.strip()] = raw.strip()
    return models


def _run(args) -> int:
    quasi = [c.strip() for group in args.quasi_identifiers for c in group.split(",") if c.strip()]
    html = build_report(args.database, _split_models(args.model), quasi, args.audit_table, args.min_count, args.k)
    Path(args.out).write_text(html, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def add_subparser(sub) -> None:
    """Add ``report`` to the ``cape-udfs`` subcommands."""
    p = sub.add_parser("report", help="write an HTML page comparing raw and sanitized tables (after dbt build)")
    p.add_argument("database", help="the DuckDB file dbt built (opened read-only)")
    p.add_argument("--model", action="append", default=[], metavar="NAME=RAW_RELATION",
                   help="a sanitized relation and the raw one it came from (repeatable); "
                        "default: every model in the audit table")
    p.add_argument("--quasi-identifiers", action="append", default=[], metavar="COL,COL",
                   help="columns that together could single a person out (comma-separated)")
    p.add_argument("--audit-table", default=DEFAULT_AUDIT_TABLE, help="default: %(default)s")
    p.add_argument("--min-count", type=int, default=10,
                   help="quote a value only when it occurs in at least this many rows, and end histogram "
                        "grids at means over this many rows, past the most extreme ones (default: %(default)s)")
    p.add_argument("--k", type=int, default=5,
                   help="group size below which rows count as at risk (default: %(default)s)")
    p.add_argument("--out", default="cape_report.html", help="default: %(default)s")
    p.set_defaults(run=_run)
