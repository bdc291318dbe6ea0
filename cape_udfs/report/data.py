"""What the report shows, read from raw and sanitized tables with plain DuckDB.

Everything here is an aggregate: histograms, distinct counts, group sizes.
The only values quoted are those that occur in at least ``min_count`` rows, so
the report does not itself become a copy of the identifiers it describes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cape_udfs import types as t
from cape_udfs.errors import CapeError

BINS = 20
TOP = 5
# Group-size buckets for the k-anonymity distribution: (label, low, high inclusive).
SIZE_BUCKETS = [("1", 1, 1), ("2", 2, 2), ("3–4", 3, 4), ("5–9", 5, 9), ("10–19", 10, 19),
                ("20–49", 20, 49), ("50+", 50, None)]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def kind_of(data_type: str | None) -> str:
    family = t.family_of(data_type or "")
    if family in t.NUMERIC:
        return "number"
    if family in t.TEMPORAL:
        return "time"
    return "text"


@dataclass
class ColumnReport:
    name: str
    raw_type: str
    sanitized_type: str | None  # None: dropped
    transforms: list[str] = field(default_factory=list)
    kind: str = "text"
    raw: dict = field(default_factory=dict)        # nulls, distinct, top
    sanitized: dict = field(default_factory=dict)
    histogram: tuple | None = None                 # (edge labels, raw counts, sanitized counts)
    changed: float | None = None                   # share of matched rows whose value changed
    equal_to_raw: float | None = None              # without a row key: share of values found in raw


@dataclass
class RiskReport:
    quasi_identifiers: list[str]
    missing: list[str]
    raw: dict | None = None
    sanitized: dict | None = None


@dataclass
class ModelReport:
    name: str
    relation: str
    raw_relation: str
    raw_rows: int = 0
    sanitized_rows: int = 0
    key: str | None = None
    columns: list[ColumnReport] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    risk: RiskReport | None = None
    audit: dict | None = None
    error: str | None = None


def resolve(con, relation: str) -> str:
    """``relation`` as given, or without its database part when the file was
    opened under another name than the one dbt wrote into the audit table."""
    candidates = [relation]
    parts = relation.split(".")
    if len(parts) == 3:
        candidates.append(".".join(parts[1:]))
    for candidate in candidates:
        try:
            con.execute(f"select * from {candidate} limit 0")
            return candidate
        except Exception as exc:  # noqa: BLE001 - DuckDB raises several kinds
            last = exc
    raise CapeError(f"cannot read {relation}: {str(last).splitlines()[0]}")


def describe(con, relation: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe select * from {relation}").fetchall()]


def count(con, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


def _value_expr(column: str, kind: str) -> str:
    if kind == "time":
        return f"epoch(cast({quote(column)} as timestamp))"
    return f"cast({quote(column)} as double)"


def _edge_label(value: float, kind: str, span: float) -> str:
    if kind == "time":
        moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=value)
        return moment.strftime("%Y-%m" if span > 86400 * 400 else "%Y-%m-%d")
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def histogram(con, raw_rel: str, san_rel: str, column: str, kind: str) -> tuple | None:
    """Counts over shared bins spanning both tables, so the bars line up."""
    expr = _value_expr(column, kind)
    lo, hi = con.execute(
        f"select min(v), max(v) from (select {expr} as v from {raw_rel} "
        f"union all select {expr} from {san_rel})").fetchone()
    if lo is None:
        return None
    bins = BINS if hi > lo else 1
    width = (hi - lo) / bins if hi > lo else 1.0

    def counts(rel):
        rows = con.execute(
            f"select least(cast(floor(({expr} - ?) / ?) as bigint), ?) as b, count(*) "
            f"from {rel} where {quote(column)} is not null group by b", [lo, width, bins - 1]).fetchall()
        out = [0] * bins
        for b, n in rows:
            out[int(b)] = n
        return out

    labels = [_edge_label(lo + i * width, kind, hi - lo) for i in range(bins + 1)]
    return labels, counts(raw_rel), counts(san_rel)


def text_profile(con, rel: str, column: str, min_count: int) -> dict:
    c = quote(column)
    distinct, nulls = con.execute(f"select count(distinct {c}), count(*) - count({c}) from {rel}").fetchone()
    top = con.execute(
        f"select cast({c} as varchar) as v, count(*) as n from {rel} where {c} is not null "
        f"group by 1 having count(*) >= ? order by n desc, v limit {TOP}", [min_count]).fetchall()
    return {"distinct": distinct, "nulls": nulls, "top": top}


def find_key(con, raw_rel: str, san_rel: str, candidates: list[str], san_rows: int) -> str | None:
    """An id-like column kept as is: unique and non-NULL in both tables, and
    joining most sanitized rows back to raw ones."""
    for name in candidates:
        low = name.lower()
        if not (low == "id" or low.endswith(("_id", "_key"))):
            continue
        c = quote(name)
        unique = all(con.execute(f"select count(*) = count(distinct {c}) and count(*) = count({c}) from {rel}")
                     .fetchone()[0] for rel in (raw_rel, san_rel))
        if not unique:
            continue
        matched = con.execute(f"select count(*) from {san_rel} s join {raw_rel} r on r.{c} = s.{c}").fetchone()[0]
        if san_rows and matched >= san_rows / 2:
            return name
    return None


def changed_share(con, raw_rel: str, san_rel: str, key: str, column: str) -> float | None:
    k, c = quote(key), quote(column)
    matched, changed = con.execute(
        f"select count(*), count(*) filter (where cast(r.{c} as varchar) is distinct from cast(s.{c} as varchar)) "
        f"from {san_rel} s join {raw_rel} r on r.{k} = s.{k}").fetchone()
    return changed / matched if matched else None


def equal_to_raw_share(con, raw_rel: str, san_rel: str, column: str) -> float | None:
    c = quote(column)
    total, equal = con.execute(
        f"select count({c}), count(*) filter (where cast({c} as varchar) in "
        f"(select cast({c} as varchar) from {raw_rel} where {c} is not null)) "
        f"from {san_rel} where {c} is not null").fetchone()
    return equal / total if total else None


def group_sizes(con, rel: str, columns: list[str], small: int) -> dict:
    """Re-identification risk of one table for the quasi-identifiers: k (the
    smallest group), prosecutor risk (highest 1/k, average groups/rows) and the
    share of rows per group-size bucket."""
    cols = ", ".join(quote(c) for c in columns)
    sizes = con.execute(f"select n, count(*) from (select count(*) as n from {rel} group by {cols}) "
                        "group by n order by n").fetchall()
    rows = sum(n * g for n, g in sizes)
    groups = sum(g for _, g in sizes)
    if not rows:
        return {"rows": 0, "groups": 0, "k": None, "max_risk": None, "avg_risk": None,
                "small_share": None, "buckets": [0.0] * len(SIZE_BUCKETS)}
    buckets = [sum(n * g for n, g in sizes if n >= lo and (hi is None or n <= hi)) / rows
               for _, lo, hi in SIZE_BUCKETS]
    k = sizes[0][0]
    return {"rows": rows, "groups": groups, "k": k, "max_risk": 1 / k, "avg_risk": groups / rows,
            "small_share": sum(n * g for n, g in sizes if n < small) / rows, "buckets": buckets}


def read_audit(con, table: str) -> list[dict]:
    """Every audit row, newest first; [] when there is no audit table."""
    try:
        cur = con.execute(f"select * from {table} order by finished_at desc nulls last")
    except Exception:  # noqa: BLE001 - no audit table is a normal case
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def latest_per_relation(audit: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in audit:  # newest first
        latest.setdefault(row["relation"], row)
    return latest


def profile_model(con, name: str, relation: str, raw_relation: str, audit: dict | None,
                  quasi_identifiers: list[str], min_count: int, small: int) -> ModelReport:
    report = ModelReport(name=name, relation=relation, raw_relation=raw_relation, audit=audit)
    try:
        san_rel, raw_rel = resolve(con, relation), resolve(con, raw_relation)
        san_cols, raw_cols = dict(describe(con, san_rel)), describe(con, raw_rel)
        report.sanitized_rows, report.raw_rows = count(con, san_rel), count(con, raw_rel)
    except Exception as exc:  # noqa: BLE001 - e.g. a view that needs cape's functions
        report.error = str(exc).splitlines()[0]
        return report
    applied: dict[str, list[str]] = {}
    for item in (audit or {}).get("applied") or []:
        applied.setdefault(item["column"], []).append(item["transform"])
    kept = [c for c, ty in raw_cols if c in san_cols and c not in applied and kind_of(ty) == kind_of(san_cols[c])]
    report.key = find_key(con, raw_rel, san_rel, kept, report.sanitized_rows)

    for name_, raw_type in raw_cols:
        san_type = san_cols.get(name_)
        col = ColumnReport(name_, raw_type, san_type, applied.get(name_, []))
        if audit is not None and not col.transforms and san_type is not None:
            report.unchanged.append(name_)
            continue
        if san_type is None:
            col.kind = "dropped"
            report.columns.append(col)
            continue
        raw_kind, san_kind = kind_of(raw_type), kind_of(san_type)
        col.kind = raw_kind if raw_kind == san_kind else "text"
        col.raw = text_profile(con, raw_rel, name_, min_count)
        col.sanitized = text_profile(con, san_rel, name_, min_count)
        if col.kind in ("number", "time"):
            col.histogram = histogram(con, raw_rel, san_rel, name_, col.kind)
        if report.key and report.key != name_:
            col.changed = changed_share(con, raw_rel, san_rel, report.key, name_)
        else:
            col.equal_to_raw = equal_to_raw_share(con, raw_rel, san_rel, name_)
        report.columns.append(col)

    if quasi_identifiers:
        missing = [q for q in quasi_identifiers if q not in san_cols]
        report.risk = RiskReport(quasi_identifiers, missing)
        if not missing:
            report.risk.sanitized = group_sizes(con, san_rel, quasi_identifiers, small)
            if all(q in dict(raw_cols) for q in quasi_identifiers):
                report.risk.raw = group_sizes(con, raw_rel, quasi_identifiers, small)
    return report
