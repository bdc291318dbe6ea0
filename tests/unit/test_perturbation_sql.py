"""The perturbation macros' SQL on DuckDB, without dbt: edge cases of relative scale,
integer noise and clipping (the integration tests cover the statistics through dbt)."""
from __future__ import annotations

import json
import math
import textwrap

import duckdb
import pytest

from cape_udfs.duckdb_functions import register
from cape_udfs.errors import PolicyError
from cape_udfs.kernels.keyed_noise import keyed_uniform
from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url
from cape_udfs.plan import build_plan
from cape_udfs.plan_bridge import column_step_request
from cape_udfs.policy import parse_policy
from tests.unit import macro_sql

if not hasattr(macro_sql._Adapter, "quote"):  # the renderer needs what our macros use
    macro_sql._Adapter.quote = staticmethod(lambda name: '"' + name.replace('"', '""') + '"')

CAPE = macro_sql.load()
RING = Keyring({"k": {"env": "K_KEY"}},
               environ={"K_KEY": encode_base64url(bytes(range(32))),
                        "CAPE_DEFAULT_KEY": encode_base64url(bytes(range(32, 64)))})
COLUMNS = [("id", "INTEGER"), ("x", "DOUBLE"), ("n", "INTEGER"), ("d", "DATE")]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    register(c, RING)
    c.execute("""create table flat as select cast(i as integer) id, 7.5 :: double x, 7 n, date '2020-01-01' d
                 from range(500) t(i)""")
    c.execute("create table lonely as select 1 id, 7.5 :: double x, 7 n, date '2020-01-01' d "
              "union all select 2, null, null, null")
    c.execute("""create table spread as select cast(i as integer) id, cast(i % 100 as double) x,
                 cast(i % 100 as integer) n, date '2020-01-01' + cast(i % 100 as integer) d from range(20000) t(i)""")
    yield c
    c.close()


def _sql(column, transform, relation):
    policy = parse_policy(textwrap.dedent(f"""
        rules:
          - match: {{name: {column}}}
            actions:
              - transform: {transform}
    """), path="p.yml")
    plan = build_plan(policy, COLUMNS, RING, relation=relation)
    (step,) = next(c for c in plan["columns"] if c["name"] == column)["steps"]
    row = ", ".join(f'"{c}"' for c, _ in COLUMNS)
    return getattr(CAPE, step["macro"])(f'"{column}"', step, row).strip()


def _noise(con, relation, column, transform):
    sql = _sql(column, transform, relation)
    return [(None if out is None else out - v) if v is not None else ("null-in", out)
            for v, out in con.execute(f'select "{column}", {sql} from {relation} order by id').fetchall()]


RELATIVE = [
    ("x", "{type: numeric-perturbation, relative_scale: 1, min: -1, max: 1}"),
    ("x", "{type: numeric-perturbation, distribution: gaussian, relative_scale: 1}"),
    ("x", "{type: numeric-perturbation, distribution: laplace, relative_scale: 1, min: -2, max: 2}"),
    ("n", "{type: numeric-perturbation, relative_scale: 1, min: -1, max: 1}"),
    ("n", "{type: numeric-perturbation, distribution: gaussian, relative_scale: 1, min: -2, max: 2}"),
    ("n", "{type: numeric-perturbation, distribution: laplace, relative_scale: 1, consistent_by: id}"),
]


@pytest.mark.parametrize("column, transform", RELATIVE)
def test_relative_scale_of_a_constant_column_adds_no_noise(con, column, transform):
    assert set(_noise(con, "flat", column, transform)) == {0}


@pytest.mark.parametrize("column, transform", RELATIVE)
def test_relative_scale_without_stddev_gives_null(con, column, transform):
    # One non-NULL value: no spread to hide it in, so it is not published.
    assert _noise(con, "lonely", column, transform) == [None, ("null-in", None)]


@pytest.mark.parametrize("low, high, scale", [(-1, 1, 0.1), (0, 1, 0.013), (-0.5, 0.25, 0.5)])
def test_relative_uniform_on_integers_stays_in_whole_numbers_of_the_range(con, low, high, scale):
    sigma = con.execute("select stddev_samp(n) from spread").fetchone()[0]
    s = scale * sigma
    noise = _noise(con, "spread", "n",
                   f"{{type: numeric-perturbation, relative_scale: {scale}, min: {low}, max: {high}}}")
    allowed = set(range(math.ceil(low * s), math.ceil(high * s)))
    assert set(noise) == allowed  # every whole number in [min*s, max*s), and nothing else


def test_relative_clipping_on_integers(con):
    sigma = con.execute("select stddev_samp(n) from spread").fetchone()[0]
    s = 0.05 * sigma
    noise = _noise(con, "spread", "n", "{type: numeric-perturbation, distribution: laplace, "
                                       "relative_scale: 0.05, min: -1.5, max: 0.5}")
    assert min(noise) == math.ceil(-1.5 * s) and max(noise) == math.floor(0.5 * s)


def test_relative_scale_reads_the_raw_column_of_the_relation(con):
    sql = _sql("x", "{type: numeric-perturbation, distribution: gaussian, relative_scale: 2}", "spread")
    assert '(select stddev_samp("x") from spread) * 2' in sql


def test_column_macro_steps_use_a_window():
    step = macro_sql.step_for("numeric-perturbation", {"distribution": "gaussian", "relative_scale": 0.5}, "DOUBLE")
    assert "stddev_samp(e.amount) over () * 0.5" in CAPE.render_numeric_perturbation("e.amount", step, "e.amount")


def test_keyed_sql_reads_entity_columns_through_the_rows_alias():
    policy = parse_policy("rules:\n  - match: {name: x}\n    actions:\n      - transform: "
                          "{type: numeric-perturbation, min: -1, max: 1, consistent_by: [d, id]}\n", path="p.yml")
    plan = build_plan(policy, COLUMNS, RING, relation="t")
    (step,) = plan["columns"][1]["steps"]
    sql = CAPE.render_numeric_perturbation('e."x"', step, 'e."id", e."x", e."n", e."d"')
    assert ("cape_keyed_uniform([cast(e.\"d\" as varchar), cast(e.\"id\" as varchar)], "
            "'env:CAPE_DEFAULT_KEY', 'x', 'number')") in sql


def test_integer_gaussian_clipping_with_fresh_noise(con):
    noise = _noise(con, "spread", "n", "{type: numeric-perturbation, distribution: gaussian, scale: 4, "
                                       "min: -2.5, max: 3.9}")
    assert min(noise) == -2 and max(noise) == 3 and all(isinstance(v, int) for v in noise)


def test_date_clipping_and_whole_days(con):
    noise = _noise(con, "spread", "d", "{type: date-perturbation, frequency: day, distribution: laplace, "
                                       "scale: 3, min: -4, max: 2}")
    assert min(noise).days == -4 and max(noise).days == 2


# --- where the uniforms come from ---------------------------------------------------------

SEEDED = "{type: numeric-perturbation, min: -5, max: 5, seed: 5}"


def test_seeded_noise_is_keyed_by_the_whole_row_under_the_seeded_salt(con):
    sql = _sql("x", SEEDED, "spread")
    assert "hash(" not in sql and "random()" not in sql
    assert ("cape_keyed_uniform([cast(\"id\" as varchar), cast(\"x\" as varchar), cast(\"n\" as varchar), "
            "cast(\"d\" as varchar)], 'env:CAPE_DEFAULT_KEY', 'seed/5/x:0', 'seed/0')") in sql
    rows = con.execute(f"select [cast(id as varchar), cast(x as varchar), cast(n as varchar), cast(d as varchar)], "
                       f"x, {sql} from spread where id < 3000").fetchall()
    key = RING.get("env:CAPE_DEFAULT_KEY")
    for texts, x, out in rows:  # the documented derivation (keyed_noise.py)
        assert out == x + (-5 + (5 - (-5)) * keyed_uniform(key, "seed/5/x:0", "seed/0", texts))


def test_seeded_noise_repeats_at_any_thread_count_and_changes_with_key_and_seed(con):
    query = f"select id, {_sql('x', SEEDED, 'spread')} from spread order by id"
    con.execute("set threads = 1")
    one = con.execute(query).fetchall()
    con.execute("set threads = 4")
    four = con.execute(query).fetchall()
    assert one == four
    other_seed = con.execute(query.replace("'seed/5/x:0'", "'seed/6/x:0'")).fetchall()
    assert sum(a == b for a, b in zip(one, other_seed)) < 0.01 * len(one)
    other = duckdb.connect()
    register(other, Keyring(environ={"CAPE_DEFAULT_KEY": encode_base64url(bytes(range(100, 132)))}))
    other.execute("""create table spread as select cast(i as integer) id, cast(i % 100 as double) x,
                 cast(i % 100 as integer) n, date '2020-01-01' + cast(i % 100 as integer) d from range(20000) t(i)""")
    other_key = other.execute(query).fetchall()
    other.close()
    assert sum(a == b for a, b in zip(one, other_key)) < 0.01 * len(one)


def test_seeded_date_and_gaussian_steps_use_one_stream_per_uniform():
    sql = _sql("d", "{type: date-perturbation, frequency: [day, day], distribution: gaussian, scale: [3, 2], "
                    "seed: 1}", "spread")
    for k in range(4):  # two units, two uniforms each
        assert f"'seed/1/d:0', 'seed/{k}')" in sql
    assert "'seed/4'" not in sql


def test_a_seeded_step_without_a_key_cannot_plan():
    policy = parse_policy(f"rules:\n  - match: {{name: x}}\n    actions:\n      - transform: {SEEDED}\n",
                          path="p.yml")
    with pytest.raises(PolicyError, match="CAPE_DEFAULT_KEY") as info:
        build_plan(policy, COLUMNS, Keyring(environ={}), relation="t")
    assert "field 'key'" in str(info.value)


def test_column_macro_seed_is_keyed_by_the_expression():
    request = {"transform": "numeric-perturbation", "macro": "perturb_number", "column": "e.amount",
               "data_type": "DOUBLE", "args": {"min": -1, "max": 1, "seed": 3}}
    response = json.loads(column_step_request(json.dumps(request), RING))
    step = response["step"]
    assert step["key_id"] == "env:CAPE_DEFAULT_KEY"
    sql = CAPE.render_numeric_perturbation("e.amount", step, "e.amount")
    assert ("cape_keyed_uniform([cast((e.amount) as varchar)]" in sql
            and "'seed/3/cape.perturb_number:e.amount:0'" in sql)


def test_fresh_noise_comes_from_the_secure_generator(con):
    sql = _sql("x", "{type: numeric-perturbation, distribution: laplace, scale: 3}", "spread")
    assert "random()" not in sql and sql.count("cape_secure_laplace(") == 1  # both uniforms in one call
    first = con.execute(f"select {sql} from spread order by id").fetchall()
    second = con.execute(f"select {sql} from spread order by id").fetchall()
    assert sum(a == b for a, b in zip(first, second)) < 0.01 * len(first)
    uniform = _sql("n", "{type: numeric-perturbation, min: -3, max: 3}", "spread")
    assert "random()" not in uniform and uniform.count("cape_secure_uniform(") == 1
    dates = _sql("d", "{type: date-perturbation, frequency: [day, hour], distribution: gaussian, scale: [2, 3]}",
                 "spread")
    assert "cape_secure_gaussian(0)" in dates and "cape_secure_gaussian(1)" in dates
