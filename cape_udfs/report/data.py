"""What the report shows, read from raw and sanitized tables with plain DuckDB.

Everything here is an aggregate: histograms, distinct counts, group sizes.
The only values quoted are those that occur in at least ``min_count`` rows, so
the report does not itself become a copy of the identifiers it describes; a
histogram's edges are a round grid between means over min_count rows, never
a minimum or maximum.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from cape_udfs import types as t
from cape_udfs.errors import CapeError
from cape_udfs.report.svg import OPEN_END

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
        except Exception as exc:
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


# Bin widths the grid may take: 1, 2 or 5 times a power of ten for numbers; for
# times, clock steps in seconds up to two weeks, then calendar months (the grid
# is then counted in months, so its edges are the first of a month exactly).
_DAY, _MONTH = 86400, 2629746  # a mean Gregorian month in seconds, to choose the step
_SECOND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
                 _DAY, 2 * _DAY, 7 * _DAY, 14 * _DAY]
_MONTH_STEPS = [1, 2, 3, 6]  # then 12 times 1, 2 or 5 times a power of ten


def _round_step(want: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is at least ``want`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(want))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= want * (1 - 1e-12))


def _month_index(seconds: float) -> int:
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
    return (moment.year - 1970) * 12 + moment.month - 1


def _month_expr(column: str) -> str:
    """Months since January 1970 (of the month a value falls in)."""
    return f"datediff('month', timestamp '1970-01-01', cast({quote(column)} as timestamp))"


def _edge_label(value: float, kind: str, step: float) -> str:
    """An edge at the precision of its grid."""
    if kind == "month":
        year, month = 1970 + int(value) // 12, int(value) % 12 + 1
        return f"{year}" if step % 12 == 0 and month == 1 else f"{year}-{month:02d}"
    if kind == "time":
        moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=value)
        return moment.strftime("%Y-%m-%d" if step >= _DAY else "%Y-%m-%d %H:%M")
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{round(value, decimals) + 0.0:,.{decimals}f}"


def _ends(con, rel: str, expr: str, min_count: int) -> tuple:
    """(min, max, low, high) of the non-NULL values of one table: ``low`` is the
    mean of the min_count values from the min_count-th smallest on, ``high`` the
    same from the top; both NULL when the table has fewer than 2 * min_count - 1
    values. A mean of min_count rows is no one row's value, and the min_count - 1
    most extreme values (the outliers) do not move it."""
    k, block = min_count, 2 * min_count - 1
    return con.execute(
        f"select min(v), max(v), "
        f"case when count(v) >= ? then list_avg(list_slice(min(v, ?), ?, ?)) end, "
        f"case when count(v) >= ? then list_avg(list_slice(max(v, ?), ?, ?)) end "
        f"from (select {expr} as v from {rel})", [block, block, k, block] * 2).fetchone()


def _grid(con, raw_rel: str, san_rel: str, column: str, kind: str, min_count: int):
    """(value expression, first edge, bin width, bins, labels) of a grid that
    reveals no rare value, or None.

    Minimum and maximum are often one person's value (one income of 9,846,543.21),
    so the grid spans the ``low`` and ``high`` ends of _ends (means over
    min_count rows, past the min_count - 1 most extreme ones) of either table.
    Its edges are multiples of a round step (1, 2 or 5 times a power of ten, a
    clock step, whole months or years), not values of the data; values outside
    fall in open-ended end bins labelled ``OPEN_END``."""
    value = _value_expr(column, kind)
    finite = f"isfinite({value})"  # NaN and ±infinity are not binned
    expr = f"(case when {finite} then {value} end)"
    ends = [_ends(con, rel, expr, min_count) for rel in (raw_rel, san_rel)]
    lows = [e[2] for e in ends if e[2] is not None]
    if not lows:
        return None  # too few values in both tables: any edge would describe a few rows
    q_lo, q_hi = sorted((min(lows), max(e[3] for e in ends if e[3] is not None)))
    lowest = min(e[0] for e in ends if e[0] is not None)
    highest = max(e[1] for e in ends if e[1] is not None)
    want = (q_hi - q_lo) / BINS
    if kind == "time" and want > _SECOND_STEPS[-1]:
        months = want / _MONTH
        step = float(next((m for m in _MONTH_STEPS if m >= months), 12 * _round_step(months / 12)))
        # A value's month m covers [m, m + 1): the last bin ends after q_hi's month.
        kind, expr = "month", _month_expr(column)
        q_lo, q_hi = _month_index(q_lo), _month_index(q_hi) + 1
        lowest, highest = _month_index(lowest), _month_index(highest) + 1
    elif kind == "time":
        step = float(next((s for s in _SECOND_STEPS if s >= want), _SECOND_STEPS[-1]))
    else:
        step = _round_step(want) if want > 0 else 1.0
    lo = math.floor(q_lo / step) * step
    if kind == "month":  # q_hi and highest are already the ends of their months
        hi = max(math.ceil(q_hi / step) * step, lo + step)
        above = highest > hi
    else:  # bins are [a, b): the last one must hold q_hi, so hi lies above it
        hi = (math.floor(q_hi / step) + 1) * step
        above = highest >= hi
    inner = round((hi - lo) / step)
    below = lowest < lo
    labels = [_edge_label(lo + i * step, kind, step) for i in range(inner + 1)]
    labels = [OPEN_END] * below + labels + [OPEN_END] * above
    first = lo - step if below else lo
    if kind != "month":
        # Clamped into the grid before the bin number is cast to BIGINT, which a far
        # outlier (1e25 on a grid of 10,000) would overflow. Both are finite floats
        # that cape computed, so their repr is a valid SQL number.
        expr = f"(case when {finite} then least(greatest({value}, {float(first)!r}), {float(hi)!r}) end)"
    return expr, first, step, inner + below + above, labels


def histogram(con, raw_rel: str, san_rel: str, column: str, kind: str, min_count: int = 1) -> tuple | None:
    """Counts over shared bins, so the bars line up, on a grid whose labels
    quote no value fewer than ``min_count`` rows share (see _grid)."""
    grid = _grid(con, raw_rel, san_rel, column, kind, min_count)
    if grid is None:
        return None
    expr, lo, width, bins, labels = grid

    def counts(rel):
        rows = con.execute(
            f"select least(cast(floor(({expr} - ?) / ?) as bigint), ?) as b, count(*) "
            f"from {rel} where {expr} is not null group by b", [lo, width, bins - 1]).fetchall()
        out = [0] * bins  # NULL, NaN and ±infinity are not counted: expr is NULL for them
        for b, n in rows:
            out[max(b, 0)] += n  # months before the first edge: the open first bin
        return out

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
    except Exception:
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
    except Exception as exc:
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
            col.histogram = histogram(con, raw_rel, san_rel, name_, col.kind, min_count)
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
