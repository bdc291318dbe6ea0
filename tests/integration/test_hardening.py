"""Hostile data, failed rebuilds and parallel runs: defined behaviour, nothing lost."""
from __future__ import annotations

import datetime as dt
import hmac
import math

import pytest

from cape_udfs.keys import decode_base64url
from tests.integration.conftest import DEFAULT_KEY_B64

pytestmark = pytest.mark.integration
KEY = decode_base64url(DEFAULT_KEY_B64, "k")

EDGE_MODEL = """
{{ config(materialized='table') }}
select * from (values
  (1, 'nan'::double, 'inf'::double, '', 2147483000, date '0001-01-03', timestamp '9999-12-31 23:00:00', \
12.345::decimal(10,3), 7, 'A', 'x', 'ü'),
  (2, '-inf'::double, 1.25::double, repeat('é', 1048576), -2147483000, date '9999-12-30', \
timestamp '0001-01-01 01:00:00', -0.005::decimal(10,3), 8, 'b', 'y', 'ß'),
  (3, null, null, null, null, null, null, null, null, null, null, null)
) as t(id, f, g, s, i, d, ts, dec, n, "First Name", "select", "Ünïcode")
"""

EDGE_POLICY = """
version: 1
rules:
  - match: {name: f}
    actions: [{transform: {type: numeric-rounding, precision: 1}}]
  - match: {name: g}
    actions: [{transform: {type: numeric-perturbation, min: -1, max: 1}}]
  - match: {name: s}
    actions: [{transform: {type: tokenizer}}]
  - match: {name: i}
    actions: [{transform: {type: numeric-perturbation, min: -100, max: 100}}]
  - match: {name: d}
    actions: [{transform: {type: date-perturbation, frequency: [year, day], min: [0, -5], max: [1, 5]}}]
  - match: {name: ts}
    actions:
      - transform: {type: date-truncation, frequency: month}
      - transform: {type: date-perturbation, frequency: hours, min: -3, max: 3}
  - match: {name: dec}
    actions:
      - transform: {type: numeric-rounding, precision: 2}
  - match: {name: n}
    actions: [{transform: {type: tokenizer, max_token_len: 8}}]
  - match: {name: First Name}
    actions: [{transform: {type: tokenizer}}]
  - match: {name: select}
    actions: [drop]
  - match: {name: Ünïcode}
    actions: [{transform: {type: tokenizer}}]
"""


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("edge") / "analytics", env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64})
    proj.write("models/edge.sql", EDGE_MODEL)
    proj.write("policies/edge.yml", EDGE_POLICY)
    proj.write("models/edge_clean.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('edge'), 'policies/edge.yml') }}")
    proj.dbt("build")
    cols = [r[0] for r in proj.sql("select column_name from information_schema.columns "
                                   "where table_name = 'edge_clean' order by ordinal_position")]
    rows = {r[0]: dict(zip(cols, r)) for r in proj.sql("select * from edge_clean")}
    return proj, cols, rows


def token(value: str) -> str:
    return hmac.new(KEY, value.encode("utf-8"), "sha256").hexdigest()


def test_nan_and_infinity_are_kept(edge):
    _, _, rows = edge
    assert math.isnan(rows[1]["f"]) and rows[2]["f"] == -math.inf
    assert rows[1]["g"] == math.inf


def test_empty_and_one_megabyte_strings_are_tokenized(edge):
    _, _, rows = edge
    assert rows[1]["s"] == token("")
    assert rows[2]["s"] == token("é" * 1048576)


def test_integers_near_their_limits_get_noise_within_range(edge):
    _, _, rows = edge
    assert 2147483000 - 100 <= rows[1]["i"] < 2147483000 + 100
    assert -2147483000 - 100 <= rows[2]["i"] < -2147483000 + 100


def test_dates_at_the_ends_of_the_calendar_stay_in_0001_to_9999(edge):
    _, _, rows = edge
    # 0001-01-03 +/- 5 days and 9999-12-30 +/- 5 days: a shift past either end
    # lands on it, so every reader (pandas, Spark, Python) can hold the value.
    assert dt.date(1, 1, 1) <= rows[1]["d"] <= dt.date(1, 1, 8)
    assert dt.date(9999, 12, 25) <= rows[2]["d"] <= dt.date(9999, 12, 31)
    # 9999-12-31 23:00 truncated to the month, then +/- 3 hours; 0001-01-01 01:00 likewise.
    assert dt.datetime(9999, 11, 30, 21) <= rows[1]["ts"] <= dt.datetime(9999, 12, 1, 3)
    assert dt.datetime(1, 1, 1) <= rows[2]["ts"] <= dt.datetime(1, 1, 1, 3)


def test_decimal_rounding_is_exact_and_keeps_the_type(edge):
    proj, _, rows = edge
    assert str(rows[1]["dec"]) == "12.340"  # 12.345 -> half to even at 2 places
    assert str(rows[2]["dec"]) == "0.000" or str(rows[2]["dec"]) == "-0.000"
    assert proj.sql("select data_type from information_schema.columns "
                    "where table_name = 'edge_clean' and column_name = 'dec'") == [("DECIMAL(10,3)",)]


def test_non_text_columns_are_tokenized_in_canonical_text(edge):
    _, _, rows = edge
    assert rows[1]["n"] == token("7")[:8]


def test_names_needing_quotes(edge):
    _, cols, rows = edge
    assert "select" not in cols and "First Name" in cols and "Ünïcode" in cols
    assert rows[1]["First Name"] == token("A") and rows[2]["Ünïcode"] == token("ß")


def test_null_row_stays_null(edge):
    _, _, rows = edge
    assert all(v is None for k, v in rows[3].items() if k != "id")


def test_integer_overflow_fails_instead_of_wrapping(make_project):
    proj = make_project()
    proj.write("models/big.sql", "select 2147483647::integer as i")
    proj.write("policies/p.yml", """
        version: 1
        rules:
          - match: {name: i}
            actions: [{transform: {type: numeric-perturbation, min: 1, max: 2}}]
    """)
    proj.write("models/big_clean.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('big'), 'policies/p.yml') }}")
    out = proj.dbt("build", expect_ok=False).output
    assert "out of range" in out.lower() or "overflow" in out.lower() or "can't be cast" in out.lower()
    assert not proj.table_exists("big_clean")


def test_failed_rebuild_keeps_previous_parquet_file(make_project):
    proj = make_project()
    (proj.root / "exports").mkdir()
    target = proj.root / "exports" / "share.parquet"
    proj.write("models/src.sql", "{{ config(materialized='table') }}\nselect 1 as id, 'alice@example.com' as email")
    proj.write("policies/p.yml", """
        version: 1
        rules:
          - match: {name: email}
            actions: [{transform: {type: tokenizer}}]
    """)
    proj.write("models/share.sql", "{{ config(materialized='external', location='" + str(target) + "') }}\n"
               "{{ cape.apply_policy(ref('src'), 'policies/p.yml') }}")
    proj.dbt("build")
    before = target.read_bytes()
    # The source now holds a value that makes the sanitizing query fail at run time.
    proj.write("policies/p.yml", """
        version: 1
        rules:
          - match: {name: email}
            actions: [{transform: {type: token-reverser, key: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}}]
    """)
    out = proj.dbt("run", "--select", "share", expect_ok=False).output
    assert "not a valid token" in out
    assert target.read_bytes() == before


PARALLEL_POLICY = """
version: 1
rules:
  - match: {{name: email}}
    actions: [{{transform: {{type: tokenizer, key: "key-for-model-{n}"}}}}]
  - match: {{name: name}}
    actions: [{{transform: {{type: reversible-tokenizer, key: "{siv}"}}}}]
  - match: {{name: amount}}
    actions: [{{transform: {{type: numeric-perturbation, min: -5, max: 5, seed: {n}}}}}]
"""


def test_threads_4_equals_threads_1_and_keys_never_cross(make_project):
    proj = make_project()
    proj.write("models/src.sql", """
        {{ config(materialized='table') }}
        select i as id, 'user' || i || '@example.com' as email, 'Name ' || i as name, i * 1.5 as amount
        from range(2000) t(i)
    """)
    models = 8
    for n in range(models):
        proj.write(f"policies/p{n}.yml", PARALLEL_POLICY.format(n=n, siv=f"{n:02d}" * 16))
        proj.write(f"models/m{n}.sql",
                   "{{ config(materialized='table') }}\n"
                   "{{ cape.apply_policy(ref('src'), 'policies/p" + str(n) + ".yml') }}")
    proj.dbt("run", "--threads", "4")
    four = {n: proj.sql(f"select * from m{n} order by id") for n in range(models)}
    proj.dbt("run", "--threads", "1")
    one = {n: proj.sql(f"select * from m{n} order by id") for n in range(models)}
    assert four == one
    for n in range(models):  # each model used its own key
        expected = hmac.new(f"key-for-model-{n}".encode(), b"user5@example.com", "sha256").hexdigest()
        assert four[n][5][1] == expected
    assert len({rows[5][1] for rows in four.values()}) == models
