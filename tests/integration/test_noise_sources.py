"""Where perturbation noise comes from, through real dbt: seeded noise is keyed (the
policy's seed alone does not let anyone recompute it), fresh noise comes from a CSPRNG,
and perturbations that cannot change a value fail the run.

One project (module scope) builds the same raw table and three sanitized models, runs
dbt three times (4 threads, 1 thread, another CAPE_DEFAULT_KEY) and keeps each result.
"""
from __future__ import annotations

import math

import pytest

from cape_udfs.kernels.keyed_noise import keyed_uniform, seeded_salt, seeded_stream
from cape_udfs.keys import decode_base64url, encode_base64url
from tests.integration.conftest import DEFAULT_KEY_B64

pytestmark = pytest.mark.integration

KEY = decode_base64url(DEFAULT_KEY_B64, "test key")
OTHER_KEY_B64 = encode_base64url(bytes(range(7, 39)))
N = 20_000

RAW_SQL = """
{{ config(materialized='table') }}
select cast(i as integer) as id,
       case when i % 97 = 0 then null else cast((i * 7919) % 1000 as double) end as v,
       cast(i % 500 as integer) as n,
       date '2020-01-01' + cast(i % 700 as integer) as d,
       case when i % 3 = 0 then null else 'tag' || cast(i % 11 as varchar) end as tag
from range({n}) t(i)
union all  -- two copies of one row: identical rows get identical seeded noise
select * from (values (-1, 5.0, 7, date '2021-01-01', 'twin'), (-1, 5.0, 7, date '2021-01-01', 'twin'))
"""

SEEDED_POLICY = """
rules:
  - {{match: {{name: v}}, actions: [{{transform: {{type: numeric-perturbation, \
distribution: gaussian, scale: 10, seed: {seed}}}}}]}}
  - {{match: {{name: n}}, actions: [{{transform: {{type: numeric-perturbation, \
dtype: Integer, min: -2, max: 3, seed: {seed}}}}}]}}
  - match: {{name: d}}
    actions:
      - transform: {{type: date-perturbation, frequency: day, min: -30, max: 31, seed: {seed}}}
"""

FRESH_POLICY = """
rules:
  - {match: {name: v}, actions: [{transform: {type: numeric-perturbation, distribution: laplace, scale: 4}}]}
  - {match: {name: n}, actions: [{transform: {type: numeric-perturbation, min: -2, max: 3}}]}
  - {match: {name: d}, actions: [{transform: {type: date-perturbation, frequency: day, min: -30, max: 31}}]}
"""

MODELS = ("seeded", "seeded_other_seed", "fresh")


def _snapshot(proj):
    return {m: proj.sql(f"select id, v, n, d from {m} order by id, v, n, d") for m in MODELS}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("noise") / "analytics", env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64})
    proj.write("models/raw.sql", RAW_SQL.replace("{n}", str(N)))
    proj.write("policies/seeded.yml", SEEDED_POLICY.format(seed=3))
    proj.write("policies/seeded_other_seed.yml", SEEDED_POLICY.format(seed=4))
    proj.write("policies/fresh.yml", FRESH_POLICY)
    for model in MODELS:
        proj.write(f"models/{model}.sql", "{{ config(materialized='table') }}\n"
                                          f"{{{{ cape.apply_policy(ref('raw'), 'policies/{model}.yml') }}}}")
    proj.dbt("run")  # the profile's 4 threads
    first = _snapshot(proj)
    compiled = {m: next((proj.root / "target").rglob(f"compiled/**/{m}.sql")).read_text() for m in MODELS}
    proj.dbt("run", "--threads", "1")
    second = _snapshot(proj)
    proj.dbt("run", "--select", "seeded", env={"CAPE_DEFAULT_KEY": OTHER_KEY_B64})
    other_key = _snapshot(proj)["seeded"]
    return proj, first, second, other_key, compiled


def _share_equal(a, b):
    assert len(a) == len(b) == N + 2
    return sum(x == y for x, y in zip(a, b)) / len(a)


def _column(rows, i):
    return [r[i] for r in rows]


def test_seeded_noise_is_identical_across_runs_and_thread_counts(runs):
    _, first, second, _, _ = runs
    assert first["seeded"] == second["seeded"]
    assert first["seeded_other_seed"] == second["seeded_other_seed"]


def test_another_key_gives_other_seeded_noise(runs):
    _, first, _, other_key, _ = runs
    assert _share_equal(_column(first["seeded"], 1), _column(other_key, 1)) < 0.02  # NULLs stay NULL
    assert _share_equal(_column(first["seeded"], 2), _column(other_key, 2)) < 0.3  # 1 in 5 by chance
    assert _share_equal(_column(first["seeded"], 3), _column(other_key, 3)) < 0.05  # 1 in 61


def test_another_seed_gives_other_noise(runs):
    _, first, _, _, _ = runs
    a, b = first["seeded"], first["seeded_other_seed"]
    assert _share_equal(_column(a, 1), _column(b, 1)) < 0.02
    assert _share_equal(_column(a, 2), _column(b, 2)) < 0.3
    assert _share_equal(_column(a, 3), _column(b, 3)) < 0.05


def test_seeded_noise_is_the_documented_keyed_derivation(runs):
    """Recompute from keyed_noise.py: every input column's text, the seeded salt and streams.
    The warehouse holds the last run's table, built under the other key."""
    proj, _, _, _, _ = runs
    key = decode_base64url(OTHER_KEY_B64, "other test key")
    rows = proj.sql("select [cast(r.id as varchar), cast(r.v as varchar), cast(r.n as varchar), "
                    "cast(r.d as varchar), r.tag], r.v, r.n, r.d, s.v, s.n, s.d "
                    "from raw r join seeded s using (id) where r.id % 13 = 0")
    assert len(rows) > 1000
    for texts, v, n, d, sv, sn, sd in rows:
        def u(column, k, texts=texts):
            return keyed_uniform(key, seeded_salt(3, f"{column}:0"), seeded_stream(k), texts)
        if v is None:
            assert sv is None
        else:
            z = math.sqrt(-2 * math.log(1 - u("v", 0))) * math.cos(2 * math.pi * u("v", 1))
            assert sv == pytest.approx(v + 10 * z, rel=1e-12, abs=1e-9)
        assert sn == n + math.floor(-2 + 5 * u("n", 0))  # the same seed, another column: another draw
        assert (sd - d).days == math.floor(-30 + 61 * u("d", 0))


def test_identical_rows_get_identical_seeded_noise(runs):
    proj, _, _, _, _ = runs
    twins = proj.sql("select v, n, d from seeded where id = -1")
    assert len(twins) == 2 and twins[0] == twins[1]
    assert twins[0] != (5.0, 7, None)  # and they were perturbed


def test_compiled_sql_has_no_seed_hash_and_no_key(runs):
    proj, _, _, _, compiled = runs
    sql = compiled["seeded"]
    assert "hash(" not in sql.lower() and "xxhash" not in sql.lower()
    assert "cape_keyed_uniform(" in sql and "'seed/3/v:0'" in sql and "'env:CAPE_DEFAULT_KEY'" in sql
    key_forms = [KEY, KEY.hex().encode(), DEFAULT_KEY_B64.encode(), OTHER_KEY_B64.encode(),
                 decode_base64url(OTHER_KEY_B64, "k")]
    for folder in ("target", "logs"):
        for path in (proj.root / folder).rglob("*"):
            if path.is_file():
                assert not any(f in path.read_bytes() for f in key_forms), path


def test_fresh_noise_differs_between_runs_and_is_not_random(runs):
    _, first, second, _, compiled = runs
    sql = compiled["fresh"].lower()
    assert "random()" not in sql and "cape_secure_uniform(" in sql
    a, b = first["fresh"], second["fresh"]
    assert _share_equal(_column(a, 1), _column(b, 1)) < 0.02
    assert _share_equal(_column(a, 2), _column(b, 2)) < 0.3
    assert _share_equal(_column(a, 3), _column(b, 3)) < 0.05
    (mad,) = runs[0].sql("select avg(abs(f.v - r.v)) from fresh f join raw r using (id) where r.id >= 0")[0]
    assert abs(mad - 4) < 0.2  # laplace: mean |noise| = scale (two independent uniforms)


@pytest.mark.parametrize("transform, column, field", [
    ("{type: numeric-perturbation, dtype: Integer, min: -0.5, max: 0.5}", "n", "max"),
    ("{type: date-perturbation, frequency: day, min: 0, max: 1}", "d", "max"),
    ("{type: numeric-perturbation, distribution: gaussian, scale: 0.05, seed: 1}", "n", "scale"),
])
def test_zero_noise_fails_the_run_naming_rule_and_field(make_project, transform, column, field):
    proj = make_project()
    proj.write("models/raw.sql", "select cast(1 as integer) as id, cast(5 as integer) as n, date '2020-01-01' as d")
    proj.write("policies/p.yml", f"rules:\n  - match: {{name: id}}\n    actions: [drop]\n"
                                 f"  - match: {{name: {column}}}\n    actions:\n      - transform: {transform}\n")
    proj.write("models/clean.sql", "{{ config(materialized='table') }}\n"
                                   "{{ cape.apply_policy(ref('raw'), 'policies/p.yml') }}")
    out = proj.dbt("run", expect_ok=False).output
    assert "policies/p.yml" in out and f"rule 2 (column '{column}')" in out and f"field '{field}'" in out
    assert "every output would equal its input" in out
    assert not proj.table_exists("clean")
