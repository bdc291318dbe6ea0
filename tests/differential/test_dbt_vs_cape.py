"""An unchanged cape-dataframes policy file, run by dbt in a consumer project,
gives the same output as cape-dataframes 0.3.1 itself on the same rows.

Compared: tokenizer (cape-legacy tokens, selected by the project's
cape_tokenizer_algorithm var, not by the policy), reversible-tokenizer,
numeric-rounding (halves, negative precision) and date-truncation.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cape_oracle import oracle_python, oracle_unavailable_reason, run_cape  # noqa: E402

from tests.integration.dbt_project_harness import DbtProject  # noqa: E402

pytestmark = [pytest.mark.differential, pytest.mark.integration]

# Exactly the shape of a cape-dataframes policy: plain-string and secret keys,
# dtype hints, named transformations.
CAPE_POLICY = """
label: cape-compat
version: 1
transformations:
  - name: reversible
    type: reversible-tokenizer
    key:
      type: secret
      value: m5YNKBP-a3GMyy52457ok-4zQHqLuiB3aFD7mPTBpoc
rules:
  - match:
      name: name
    actions:
      - transform:
          type: tokenizer
          max_token_len: 20
          key: secret_key
  - match:
      name: email
    actions:
      - transform:
          name: reversible
  - match:
      name: score
    actions:
      - transform:
          type: numeric-rounding
          dtype: Double
          precision: 1
  - match:
      name: whole
    actions:
      - transform:
          type: numeric-rounding
          dtype: Double
          precision: 0
  - match:
      name: count
    actions:
      - transform:
          type: numeric-rounding
          dtype: Long
          precision: -1
  - match:
      name: born
    actions:
      - transform:
          type: date-truncation
          frequency: month
  - match:
      name: seen
    actions:
      - transform:
          type: date-truncation
          frequency: hour
"""

NAMES = ["alice", "Bob", "Zoë", "山田 太郎", "", "O'Brien", "x" * 300, "émile", "a,b", "tab\there", "Ω≈ç√", "zz"]
SCORES = [1.25, 2.35, -0.05, 0.125, 2.675, 1.005, 0.5, 1.5, 2.5, -2.5, 1234.5678, 1e-9]
WHOLES = [0.5, 1.5, 2.5, -0.5, -1.5, 3.4999, 7.0, 1e15 + 0.5, -2.5, 100.49, 0.0, 9.5]
COUNTS = [15, 25, 35, -15, -25, 4, 5, 6, 0, 1_000_005, 994, 123456789]
BORN = [dt.date(1990, 3, 4) + dt.timedelta(days=97 * i) for i in range(12)]
SEEN = [dt.datetime(2021, 5, 6, 7, 8, 9) + dt.timedelta(minutes=611 * i, seconds=13 * i) for i in range(12)]


def _sql_literal(v):
    if isinstance(v, dt.datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    if isinstance(v, dt.date):
        return f"DATE '{v.isoformat()}'"
    if isinstance(v, float):
        return f"CAST('{v!r}' AS DOUBLE)"
    if isinstance(v, int):
        return f"CAST({v} AS BIGINT)"
    return "'" + v.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    if oracle_python() is None:
        pytest.skip(oracle_unavailable_reason())
    columns = {"id": list(range(1, 13)), "name": NAMES, "email": [f"{n}@example.com" for n in NAMES],
               "score": SCORES, "whole": WHOLES, "count": COUNTS, "born": BORN, "seen": SEEN}
    proj = DbtProject(tmp_path_factory.mktemp("diff") / "analytics",
                      env={"CAPE_DEFAULT_KEY": "q7OXn0Q3l1m2w8oWc4bK5r1Sx9YtVh2JpE6aZfD0LgM"},
                      project_extra={"vars": {"cape_tokenizer_algorithm": "cape-legacy"}})
    # The input is a model of literals (a CSV seed would turn '' into NULL).
    rows = [f"({', '.join(_sql_literal(columns[c][i]) for c in columns)})" for i in range(12)]
    proj.write("models/people.sql", "select * from (values\n  " + ",\n  ".join(rows)
               + f"\n) as t({', '.join(columns)})")
    proj.write("policies/cape.yml", CAPE_POLICY)
    proj.write("models/people_clean.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('people'), 'policies/cape.yml') }}")
    # 5000 random doubles over many magnitudes, including exact halves.
    proj.write("models/randoms.sql", """
        {{ config(materialized='table') }}
        with r as (
            select i, case when i % 7 = 0 then (i % 200 - 100) + 0.5
                           when i % 11 = 0 then (i % 2000 - 1000) / 100.0 + 0.005
                           else (random() * 2 - 1) * pow(10, random() * 14 - 7) end :: double as x
            from range(5000) t(i)
        )
        select i, x, x * 1000 as y from r
    """)
    proj.write("policies/rounding.yml", """
        version: 1
        rules:
          - match: {name: x}
            actions: [{transform: {type: numeric-rounding, dtype: Double, precision: 2}}]
          - match: {name: y}
            actions: [{transform: {type: numeric-rounding, dtype: Double, precision: -2}}]
    """)
    proj.write("models/randoms_rounded.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('randoms'), 'policies/rounding.yml') }}")
    proj.dbt("build")
    ours = proj.sql("select * from people_clean order by id")
    theirs = run_cape(CAPE_POLICY, {
        "name": {"dtype": "string", "values": NAMES},
        "email": {"dtype": "string", "values": columns["email"]},
        "score": {"dtype": "float64", "values": SCORES},
        "whole": {"dtype": "float64", "values": WHOLES},
        "count": {"dtype": "int64", "values": COUNTS},
        "born": {"dtype": "date", "values": BORN},
        "seen": {"dtype": "timestamp", "values": SEEN},
    })
    raw = proj.sql("select x, y from randoms order by i")
    rounded = proj.sql("select x, y from randoms_rounded order by i")
    cape_rounded = run_cape("""
        version: 1
        rules:
          - match: {name: x}
            actions: [{transform: {type: numeric-rounding, dtype: Double, precision: 2}}]
          - match: {name: y}
            actions: [{transform: {type: numeric-rounding, dtype: Double, precision: -2}}]
    """, {"x": {"dtype": "float64", "values": [r[0] for r in raw]},
          "y": {"dtype": "float64", "values": [r[1] for r in raw]}})
    return ours, theirs, rounded, cape_rounded


def test_rounding_random_doubles_bit_identical(results):
    _, _, rounded, cape_rounded = results
    for col, name in ((0, "x"), (1, "y")):
        mine = [r[col] for r in rounded]
        assert len(mine) == 5000
        # repr compares the exact double, sign of zero included
        assert [repr(v) for v in mine] == [repr(v) for v in cape_rounded[name]], name


@pytest.mark.parametrize("index,column", [(1, "name"), (2, "email"), (6, "born"), (7, "seen")])
def test_identical_values(results, index, column):
    ours, theirs, _, _ = results
    assert [row[index] for row in ours] == list(theirs[column])


@pytest.mark.parametrize("index,column", [(3, "score"), (4, "whole"), (5, "count")])
def test_rounding_identical(results, index, column):
    ours, theirs, _, _ = results
    for mine, cape in zip([row[index] for row in ours], theirs[column]):
        assert mine == cape or (math.isnan(mine) and math.isnan(cape)), (column, mine, cape)
