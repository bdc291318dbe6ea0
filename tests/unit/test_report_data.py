"""cape_udfs.report.data and build_report on small hand-made tables (plain DuckDB, no dbt)."""
from __future__ import annotations

import datetime as dt
import random
import shutil

import duckdb
import pytest

from cape_udfs.errors import CapeError
from cape_udfs.report import _same_relation, _split_models, build_report, data
from tests.report_leaks import leaks, rare_forms

RAW = """
create table raw_people as select * from (values
  (1, 'ann@example.com', 31, 'Oslo', date '1990-03-04'),
  (2, 'ben@example.com', 32, 'Oslo', date '1991-05-06'),
  (3, 'cid@example.com', 47, 'Rome', date '1975-01-02'),
  (4, 'dee@example.com', 48, 'Rome', date '1976-07-08'),
  (5, 'eve@example.com', 49, 'Rome', null),
  (6, null,              null, 'Rome', date '1980-01-01')
) t(id, email, age, city, born)
"""
# id kept, email tokenized, age rounded, born truncated to year, Ann's row removed.
SANITIZED = """
create table people_clean as select * from (values
  (2, 'tok-b', 30, 'Oslo', date '1991-01-01'),
  (3, 'tok-c', 50, 'Rome', date '1975-01-01'),
  (4, 'tok-d', 50, 'Rome', date '1976-01-01'),
  (5, 'tok-e', 50, 'Rome', null),
  (6, null,    null, 'Rome', date '1980-01-01')
) t(id, email, age, city, born)
"""
AUDIT = """
create table cape_audit as select
  'inv-1' as invocation_id, 'model.x.people_clean' as model_unique_id,
  '"db"."main"."people_clean"' as relation, '"db"."main"."raw_people"' as source_relation,
  'people' as policy_label, 'policies/people.yml' as policy_path, 'abc123' as policy_digest,
  [{'column': 'email', 'transform': 'tokenizer'}, {'column': 'age', 'transform': 'numeric-rounding'},
   {'column': 'born', 'transform': 'date-truncation'}] as applied,
  6 as rows_in, 5 as rows_out, timestamp '2026-01-01 10:00:00' as started_at,
  timestamp '2026-01-01 10:00:01' as finished_at
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "db.duckdb"  # catalog "db", as dbt would name it
    con = duckdb.connect(str(path))
    con.execute(RAW)
    con.execute(SANITIZED)
    con.close()
    return path


@pytest.fixture()
def con(db):
    c = duckdb.connect(str(db), read_only=True)
    yield c
    c.close()


def test_group_sizes_k_and_prosecutor_risk(con):
    # Groups by city: Oslo 2, Rome 4 -> k 2, highest risk 1/2, average 2 groups / 6 rows.
    got = data.group_sizes(con, "raw_people", ["city"], small=3)
    assert (got["rows"], got["groups"], got["k"]) == (6, 2, 2)
    assert got["max_risk"] == pytest.approx(0.5)
    assert got["avg_risk"] == pytest.approx(2 / 6)
    assert got["small_share"] == pytest.approx(2 / 6)
    assert sum(got["buckets"]) == pytest.approx(1.0)
    assert got["buckets"][1] == pytest.approx(2 / 6)  # bucket "2"
    assert got["buckets"][2] == pytest.approx(4 / 6)  # bucket "3–4"


def test_group_sizes_null_is_one_group(con):
    # (age): 31, 32, 47, 48, 49 are singletons; NULL is one group of one.
    got = data.group_sizes(con, "raw_people", ["age"], small=5)
    assert (got["groups"], got["k"], got["max_risk"]) == (6, 1, 1.0)


def test_group_sizes_of_an_empty_table(con):
    got = data.group_sizes(con, "(select * from raw_people where false)", ["city"], small=5)
    assert got["k"] is None and got["rows"] == 0


def test_histogram_bins_are_shared_and_count_non_null_values(con):
    labels, raw, san = data.histogram(con, "raw_people", "people_clean", "age", "number")
    assert len(labels) == len(raw) + 1 == len(san) + 1 == 22  # one-year bins from 30 to 51
    assert (sum(raw), sum(san)) == (5, 4)
    assert labels[0] == "30" and labels[-1] == "51"
    assert san[0] == 1 and san[-1] == 3  # 30 in the first bin, the three 50s in the last [50, 51)


def test_histogram_of_dates_has_date_labels(con):
    labels, raw, san = data.histogram(con, "raw_people", "people_clean", "born", "time")
    assert (sum(raw), sum(san)) == (5, 4)
    assert labels[0] == "1975" and labels[-1] == "1992"  # whole years: 1991 is the last bin


def test_histogram_of_one_value(con):
    labels, raw, san = data.histogram(con, "(select 7 as v)", "(select 7 as v)", "v", "number")
    assert (labels, raw, san) == (["7", "8"], [1], [1])


def test_histogram_edges_are_a_round_grid_inside_the_extremes():
    # 0.5, 1.5, ..., 99.5 and one outlier each side. min_count 10: the ends are the means
    # of the 10th to 19th values from either side (13 and 87), snapped outwards to steps of 5.
    rel = "(select x + 0.5 as v from range(100) t(x) union all select -12345.67 union all select 98765.43)"
    labels, raw, san = data.histogram(duckdb.connect(), rel, rel, "v", "number", min_count=10)
    assert labels == [data.OPEN_END] + [str(x) for x in range(10, 95, 5)] + [data.OPEN_END]
    assert raw == san and sum(raw) == 102
    assert raw[0] == 11 and raw[-1] == 11  # an outlier and 0.5..9.5; 90.5..99.5 and the other outlier
    assert data.histogram(duckdb.connect(), rel, rel, "v", "number", min_count=1)[0][-1] == "100,000"


def test_histogram_of_far_and_non_finite_values():
    # 1e25 on a grid of steps of 5 would overflow the bin number; NaN and infinities are not binned.
    rel = ("(select cast(x as double) as v from range(100) t(x) union all select 1e25 union all select -1e300 "
           "union all select 'nan'::double union all select 'inf'::double union all select '-inf'::double)")
    labels, raw, _san = data.histogram(duckdb.connect(), rel, rel, "v", "number", min_count=10)
    assert labels[0] == labels[-1] == data.OPEN_END and "1e" not in "".join(labels)
    assert sum(raw) == 102 and raw[0] == 11 and raw[-1] == 11


def test_no_histogram_when_no_table_has_min_count_values(con, db):
    # 2 * min_count - 1 values are needed: 5 raw ages are enough for min_count 3, not 4.
    assert data.histogram(con, "raw_people", "people_clean", "age", "number", min_count=3) is not None
    assert data.histogram(con, "raw_people", "people_clean", "age", "number", min_count=4) is None
    html = build_report(db, {"people_clean": "raw_people"}, min_count=4)
    assert "<svg" not in html.split("<h3>age</h3>")[1].split("<h3>")[0]
    assert "no histogram: too few values in both tables for --min-count 4" in html


@pytest.mark.parametrize("min_count, expected", [
    (1, [("Rome", 4), ("Oslo", 2)]),
    (3, [("Rome", 4)]),
    (5, []),  # no value is quoted unless it occurs in min_count rows
])
def test_text_profile_quotes_only_frequent_values(con, min_count, expected):
    got = data.text_profile(con, "raw_people", "city", min_count)
    assert got == {"distinct": 2, "nulls": 0, "top": expected}


def test_find_key_takes_an_unchanged_unique_id(con):
    assert data.find_key(con, "raw_people", "people_clean", ["id", "city"], 5) == "id"
    # city is not id-like; and an id that joins no rows is no key.
    assert data.find_key(con, "raw_people", "people_clean", ["city"], 5) is None
    assert data.find_key(con, "raw_people", "(select id + 100 as id from people_clean)", ["id"], 5) is None


def test_changed_share_with_a_key(con):
    # Matched rows 2..6: age 32->30, 47->50, 48->50, 49->50 changed; NULL->NULL is unchanged.
    assert data.changed_share(con, "raw_people", "people_clean", "id", "age") == pytest.approx(4 / 5)
    assert data.changed_share(con, "raw_people", "people_clean", "id", "city") == 0


def test_equal_to_raw_share_without_a_key(con):
    assert data.equal_to_raw_share(con, "raw_people", "people_clean", "email") == 0
    assert data.equal_to_raw_share(con, "raw_people", "people_clean", "city") == 1


@pytest.mark.parametrize("data_type, kind", [
    ("INTEGER", "number"), ("DECIMAL(12,2)", "number"), ("DOUBLE", "number"),
    ("DATE", "time"), ("TIMESTAMP WITH TIME ZONE", "time"),
    ("VARCHAR", "text"), ("BOOLEAN", "text"), ("INTEGER[]", "text"), (None, "text"),
])
def test_kind_of(data_type, kind):
    assert data.kind_of(data_type) == kind


@pytest.mark.parametrize("a, b, same", [
    ('"db"."main"."people_clean"', "people_clean", True),
    ('"db"."main"."people_clean"', "main.people_clean", True),
    ('"db"."main"."people_clean"', "other.people_clean", False),
    ('"db"."main"."people_clean"', "PEOPLE_CLEAN", True),  # DuckDB names are case-insensitive
])
def test_same_relation(a, b, same):
    assert _same_relation(a, b) is same


@pytest.mark.parametrize("item", ["people_clean", "=raw", "people_clean="])
def test_split_models_wants_name_equals_raw(item):
    with pytest.raises(CapeError, match="NAME=RAW_RELATION"):
        _split_models([item])


def test_report_from_explicit_models(db):
    html = build_report(db, {"people_clean": "raw_people"}, ["city"], min_count=2)
    assert "people_clean" in html and "Quasi-identifiers: city" in html
    assert "ann@example.com" not in html  # each raw e-mail occurs once
    assert "Oslo" in html  # occurs twice: quoted at min_count 2
    assert "No audit rows" in html


def test_report_from_the_audit_table(db, tmp_path):
    audited = tmp_path / "db.duckdb"
    shutil.copy(db, audited)
    con = duckdb.connect(str(audited))
    con.execute(AUDIT)
    con.close()
    html = build_report(audited)
    assert "policies/people.yml" in html and "inv-1" in html
    # With an audit row, only the columns it lists get a card; the others are listed once.
    assert "Columns passed through unchanged: id, city" in html
    assert "row key for &#x27;rows changed&#x27;" in html


def test_report_without_models_or_audit_says_what_to_do(db):
    with pytest.raises(CapeError, match="no audit rows in main.cape_audit"):
        build_report(db)


def test_report_on_a_missing_file(tmp_path):
    with pytest.raises(CapeError, match="does not exist"):
        build_report(tmp_path / "nope.duckdb", {"a": "b"})


def test_report_names_an_unreadable_model(db):
    html = build_report(db, {"missing_table": "raw_people"})
    assert "cannot read this model with plain DuckDB" in html and "missing_table" in html


def test_report_opens_the_database_read_only(db):
    build_report(db, {"people_clean": "raw_people"})
    con = duckdb.connect(str(db))  # would fail if the report still held a write lock
    con.close()


# --- no rare raw value on the page, histograms included ----------------------------------

def _outlier_tables(path):
    """400 incomes that each occur 10 times, one that occurs 9 times and five far
    outliers; dates and timestamps likewise, with outliers a century away. The
    sanitized table rounds incomes to -5, truncates dates to the year and
    timestamps to the month, as a policy would."""
    rng = random.Random(12)
    incomes = [20000.37 + 4500 * i for i in range(40) for _ in range(10)] + [54321.77] * 9 \
        + [9846543.21, -1234567.89] + [777777.77] * 3
    body_days = [dt.date(1980, 1, 1) + dt.timedelta(days=250 * i) for i in range(30)]
    dates = [d for d in body_days for _ in range(13)] \
        + [dt.date(1901, 2, 3), dt.date(2087, 6, 5), dt.date(1950, 7, 14), dt.date(1950, 7, 14)]
    body_times = [dt.datetime(2015, 3, 1, 8, 30) + dt.timedelta(days=61 * i, minutes=7 * i) for i in range(20)]
    times = [t for t in body_times for _ in range(20)] + [dt.datetime(2031, 8, 9, 10, 11, 12),
                                                         dt.datetime(1911, 11, 11, 11, 11, 11)]
    n = len(incomes)
    dates += [None] * (n - len(dates))
    times += [None] * (n - len(times))
    for column in (incomes, dates, times):
        rng.shuffle(column)
    con = duckdb.connect(str(path))
    con.execute("create table raw_incomes (id integer, income decimal(12,2), born date, seen_at timestamp)")
    con.executemany("insert into raw_incomes values (?, ?, ?, ?)",
                    [(i, round(v, 2), d, t) for i, (v, d, t) in enumerate(zip(incomes, dates, times))])
    con.execute("create table incomes_clean as select id, cast(round(income, -5) as decimal(12,2)) as income, "
                "date_trunc('year', born)::date as born, date_trunc('month', seen_at) as seen_at from raw_incomes")
    con.close()


@pytest.mark.parametrize("min_count", [10, 5])
def test_report_shows_no_raw_value_rarer_than_min_count(tmp_path, min_count):
    path = tmp_path / "db.duckdb"
    _outlier_tables(path)
    html = build_report(path, {"incomes_clean": "raw_incomes"}, min_count=min_count)
    assert html.count("<svg") == 4  # a histogram per column (id too): the scan looks at labels and titles
    con = duckdb.connect(str(path), read_only=True)
    try:
        for table in ("raw_incomes", "incomes_clean"):
            for column in ("income", "born", "seen_at"):
                values = [v for (v,) in con.execute(f"select {column} from {table}").fetchall()]
                rare = rare_forms(values, min_count)
                assert rare, (table, column)  # the data has rare values to find
                assert leaks(html, rare) == [], (table, column)
    finally:
        con.close()


def test_the_scan_finds_a_rare_value():
    # The check above must be able to fail: each form a person would recognise.
    rare = rare_forms([9846543.21, dt.date(1901, 2, 3), dt.datetime(2031, 8, 9, 10, 11, 12)], 2)
    for page in ("9846543.21", "9,846,543.21", "up to 9,846,543</text>", "9846543", "<title>1901-02 to",
                 'data-x="1901-02-03"', "2031-08-09 10:11", "in 2031."):
        assert leaks(page, rare), page
    assert leaks("x=219013 y=19,846,5431", rare_forms([dt.date(1901, 2, 3), 9846543], 2)) == []
