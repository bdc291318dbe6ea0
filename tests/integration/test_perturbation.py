"""Perturbation through real dbt: distributions, relative scale, and keyed consistency.

One project (module scope) builds 100k generated rows and several sanitized
models; the statistical checks run in Python over the warehouse. Exact checks
recompute keyed noise from the documented derivation (keyed_noise.py) with
the test key, so the SQL, the canonical texts and the spec must agree.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal

import pytest

from cape_udfs.kernels.keyed_noise import keyed_uniform
from cape_udfs.keys import decode_base64url, encode_base64url
from tests.integration.conftest import DEFAULT_KEY_B64

pytestmark = pytest.mark.integration

KEY = decode_base64url(DEFAULT_KEY_B64, "test key")
OTHER_KEY = bytes(range(64, 96))
N = 100_000

# Every noisy column starts as a copy of v (0..999, NULL on every 101st row),
# so noise = output - v.
NOISY = ["g_rand", "g_seed", "g_key", "l_rand", "l_seed", "l_key", "u_key", "clip_g",
         "rel_g", "rel_u", "e_text", "e_multi"]
BASE_SQL = """
{{ config(materialized='table') }}
select
  cast(i as integer) as id,
  case when i % 997 = 0 then null else cast(i % 5000 as integer) end as patient,
  case when i % 3 = 0 then null when i % 3 = 1 then '' else 'x' end as tag,
  cast(((i * 37) % 2000 - 1000) / 100.0 as decimal(12, 2)) as price,
  timestamp '2020-01-01 00:00:00' + to_microseconds(i * 61000250) as ts,
  date '2020-01-01' + cast(i % 2000 as integer) as d,
  v, {% for c in noisy %}v as {{ c }}, {% endfor %}
  cast(v as integer) as i_g, cast(v as integer) as i_clip, cast(v as integer) as i_rel,
  cast(v as decimal(12, 2)) as dec_g,
  timestamp '2020-01-01 12:00:00' + to_days(cast(i % 1000 as integer)) as ts_g,
  date '2020-01-01' + cast(i % 1000 as integer) as d_l
from (select i, case when i % 101 = 0 then null else cast((i * 7919) % 1000 as double) end as v
      from range({{ n }}) t(i))
"""

NOISY_POLICY = """\
version: 1
rules:
  - {match: {name: g_rand}, actions: [{transform: {type: numeric-perturbation, distribution: gaussian, scale: 10}}]}
  - {match: {name: g_seed}, actions: [{transform: {type: numeric-perturbation, \
distribution: gaussian, scale: 10, seed: 3}}]}
  - {match: {name: g_key}, actions: [{transform: {type: numeric-perturbation, \
distribution: gaussian, scale: 10, consistent_by: id}}]}
  - {match: {name: l_rand}, actions: [{transform: {type: numeric-perturbation, distribution: laplace, scale: 4}}]}
  - {match: {name: l_seed}, actions: [{transform: {type: numeric-perturbation, \
distribution: laplace, scale: 4, seed: 3}}]}
  - {match: {name: l_key}, actions: [{transform: {type: numeric-perturbation, \
distribution: laplace, scale: 4, consistent_by: [id]}}]}
  - {match: {name: u_key}, actions: [{transform: {type: numeric-perturbation, min: -5, max: 5, consistent_by: [id]}}]}
  - {match: {name: clip_g}, actions: [{transform: {type: numeric-perturbation, \
distribution: gaussian, scale: 10, min: -3, max: 2}}]}
  - {match: {name: rel_g}, actions: [{transform: {type: numeric-perturbation, \
distribution: gaussian, relative_scale: 0.1, consistent_by: id}}]}
  - {match: {name: rel_u}, actions: [{transform: {type: numeric-perturbation, relative_scale: 0.5, min: -1, max: 1}}]}
  - {match: {name: e_text}, actions: [{transform: {type: numeric-perturbation, min: 0, max: 1, consistent_by: tag}}]}
  - {match: {name: e_multi}, actions: [{transform: {type: numeric-perturbation, \
min: 0, max: 1, consistent_by: [patient, tag, price, d, ts], salt: multi}}]}
  - {match: {name: i_g}, actions: [{transform: {type: numeric-perturbation, \
distribution: gaussian, scale: 5, consistent_by: id}}]}
  - {match: {name: i_clip}, actions: [{transform: {type: numeric-perturbation, \
distribution: laplace, scale: 5, min: -7.5, max: 6.5}}]}
  - {match: {name: i_rel}, actions: [{transform: {type: numeric-perturbation, \
distribution: laplace, relative_scale: 0.02, min: -3, max: 3}}]}
  - {match: {name: dec_g}, actions: [{transform: {type: numeric-perturbation, distribution: gaussian, scale: 0.5}}]}
  - match: {name: ts_g}
    actions:
      - transform: {type: date-perturbation, frequency: [day, minute], distribution: gaussian, \
scale: [3, 30], consistent_by: id}
  - match: {name: d_l}
    actions:
      - transform: {type: date-perturbation, frequency: day, distribution: laplace, \
scale: 5, min: -10, max: 10, seed: 1}
  - match: {name: d}
    actions:
      - transform: {type: date-perturbation, frequency: day, min: -30, max: 31, consistent_by: patient}
"""

VISITS_SQL = """
{{ config(materialized='table') }}
select cast(i as integer) as visit_id,
       case when i % 499 = 0 then null else cast(i % 2000 as integer) end as patient,
       timestamp '2021-03-01 08:00:00' + to_minutes(cast(i * 7 as integer)) as admitted,
       cast(timestamp '2021-03-01 08:00:00' + to_minutes(cast(i * 7 as integer)) as date) \
+ cast(i % 5 as integer) as discharged,
       cast(0 as double) as cost, cast(0 as double) as fee  -- output = noise, exactly
from range(20000) t(i)
"""
CLAIMS_SQL = """
{{ config(materialized='table') }}
select cast(p as integer) as patient, date '2019-06-01' + cast(p % 50 as integer) as checkup,
       cast(0 as double) as cost
from range(1999, -1, -1) t(p)
"""
SHIFT = "{type: date-perturbation, frequency: day, min: -30, max: 31, consistent_by: patient%s}"
COST = "{type: numeric-perturbation, distribution: laplace, scale: 5, consistent_by: [patient]%s}"


def _visits_policy(key=""):
    return f"""\
transformations:
  - {{name: shift, {SHIFT[1:-1] % key}}}
rules:
  - {{match: {{name: admitted}}, actions: [{{transform: {{name: shift}}}}]}}
  - {{match: {{name: discharged}}, actions: [{{transform: {{name: shift}}}}]}}
  - {{match: {{name: cost}}, actions: [{{transform: {COST % key}}}]}}
  - {{match: {{name: fee}}, actions: [{{transform: {COST % key}}}]}}
"""


CLAIMS_POLICY = f"""\
rules:
  - {{match: {{name: checkup}}, actions: [{{transform: {SHIFT % ''}}}]}}
  - {{match: {{name: cost}}, actions: [{{transform: {COST % ''}}}]}}
"""
COLUMN_MACROS_SQL = """
select b.id,
       {{ cape.perturb_number('b.u_key', -5, 5, consistent_by='b.id', salt='u_key') }} as u_key,
       {{ cape.perturb_date('b.d', 'day', -30, 31, consistent_by=['b.patient'], data_type='date') }} as d,
       {{ cape.perturb_number('b.v', distribution='gaussian', relative_scale=0.1, data_type='double') }} as rel_w,
       {{ cape.perturb_number('b.i_g', distribution='gaussian', scale=5, consistent_by='b.id', key='other', \
salt='i_g', data_type='integer') }} as i_g_other
from {{ ref('base') }} b
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("perturb") / "analytics",
                      env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64, "OTHER_NOISE_KEY": encode_base64url(OTHER_KEY)},
                      plugin_config={"keys": {"other": {"env": "OTHER_NOISE_KEY"}}})
    proj.write("models/base.sql", BASE_SQL.replace("{{ n }}", str(N)).replace(
        "{% for c in noisy %}v as {{ c }}, {% endfor %}", "".join(f"v as {c}, " for c in NOISY)))
    proj.write("policies/noisy.yml", NOISY_POLICY)
    proj.write("models/noisy.sql", "{{ config(materialized='table') }}\n"
                                   "{{ cape.apply_policy(ref('base'), 'policies/noisy.yml') }}")
    proj.write("models/visits_raw.sql", VISITS_SQL)
    proj.write("models/claims_raw.sql", CLAIMS_SQL)
    proj.write("policies/visits.yml", _visits_policy())
    proj.write("policies/visits_other_key.yml", _visits_policy(", key: {type: env, name: OTHER_NOISE_KEY}"))
    proj.write("policies/claims.yml", CLAIMS_POLICY)
    proj.write("models/visits.sql", "{{ config(materialized='table') }}\n"
                                    "{{ cape.apply_policy(ref('visits_raw'), 'policies/visits.yml') }}")
    proj.write("models/visits_other_key.sql",
               "{{ cape.apply_policy(ref('visits_raw'), 'policies/visits_other_key.yml') }}")
    # Another table, rows in another order, the date under another name.
    proj.write("models/claims.sql", "select {{ cape.sanitized_columns(ref('claims_raw'), 'policies/claims.yml', "
                                    "alias='c') }} from {{ ref('claims_raw') }} c")
    proj.write("models/column_macros.sql", COLUMN_MACROS_SQL)
    proj.write("models/lonely_raw.sql", "select 1 as id, cast(5 as double) as x, 7 as n "
                                        "union all select 2, null, null")
    proj.write("policies/lonely.yml", """
        rules:
          - {match: {name: x}, actions: [{transform: {type: numeric-perturbation, distribution: gaussian, \
relative_scale: 1}}]}
          - {match: {name: n}, actions: [{transform: {type: numeric-perturbation, relative_scale: 1, min: -1, max: 1}}]}
    """)
    proj.write("models/lonely.sql", "{{ cape.apply_policy(ref('lonely_raw'), 'policies/lonely.yml') }}")
    proj.dbt("build")
    first = {"noisy": _keyed_columns(proj), "visits": proj.sql("select * from visits order by visit_id")}
    proj.dbt("run", "--select", "noisy", "visits", "--threads", "1")
    return proj, first


def _keyed_columns(proj):
    return proj.sql("select id, g_seed, g_key, l_seed, l_key, u_key, rel_g, e_text, e_multi, i_g, ts_g, d_l, d "
                    "from noisy order by id")


@pytest.fixture(scope="module")
def noise(built):
    """{column: [output - input for every row with a non-NULL input]} plus the inputs."""
    proj, _ = built
    cols = NOISY + ["i_g", "i_clip", "i_rel", "dec_g"]
    rows = proj.sql(f"select n.id, b.v, {', '.join('n.' + c for c in cols)} from noisy n "
                    "join base b using (id) order by n.id")
    out = {c: [] for c in cols}
    for r in rows:
        if r[1] is None:
            assert all(x is None for x in r[2:]), f"NULL in must give NULL out (id {r[0]})"
            continue
        for c, x in zip(cols, r[2:]):
            out[c].append(float(x) - r[1])
    return out


def _sigma_v(proj):
    return proj.sql("select stddev_samp(v) from base")[0][0]


def _mean_ok(values, sd):
    return abs(statistics.fmean(values)) < 5 * sd / math.sqrt(len(values))


# --- distributions ---------------------------------------------------------------------

@pytest.mark.parametrize("column", ["g_rand", "g_seed", "g_key"])
def test_gaussian_spread_and_mean(noise, column):
    values = noise[column]
    assert len(values) > 0.98 * N
    sd = statistics.pstdev(values)
    assert abs(sd - 10) < 1.0, sd  # within 10% of scale
    assert abs(sd - 10) < 0.2, sd  # and, on 100k rows, much closer
    assert _mean_ok(values, 10)
    assert max(abs(x) for x in values) > 30  # tails exist (not a uniform in disguise)


@pytest.mark.parametrize("column", ["l_rand", "l_seed", "l_key"])
def test_laplace_mean_absolute_noise_is_the_scale(noise, column):
    values = noise[column]
    mad = statistics.fmean(abs(x) for x in values)
    assert abs(mad - 4) < 0.4 and abs(mad - 4) < 0.1, mad
    assert abs(statistics.pstdev(values) - 4 * math.sqrt(2)) < 0.4
    assert _mean_ok(values, 4 * math.sqrt(2))


def test_uniform_keyed_bounds_mean_and_spread(noise):
    values = noise["u_key"]
    assert min(values) >= -5 and max(values) < 5
    assert min(values) < -4.99 and max(values) > 4.99
    assert abs(statistics.pstdev(values) - 10 / math.sqrt(12)) < 0.05
    assert _mean_ok(values, 10 / math.sqrt(12))


def test_clipping_bounds_hold_on_every_row(noise):
    values = noise["clip_g"]
    assert min(values) == -3 and max(values) == 2
    # Most mass of N(0, 10) lies outside [-3, 2]: clipped rows sit on the bounds.
    assert sum(x == -3 for x in values) > 0.3 * len(values)
    assert sum(x == 2 for x in values) > 0.3 * len(values)


def test_relative_scale_uses_the_columns_stddev(built, noise):
    proj, _ = built
    sigma = _sigma_v(proj)
    assert 280 < sigma < 300
    values = noise["rel_g"]
    assert abs(statistics.pstdev(values) - 0.1 * sigma) < 0.1 * 0.1 * sigma
    assert _mean_ok(values, 0.1 * sigma)
    uniform = noise["rel_u"]  # [-1, 1) in units of 0.5 sigma
    assert min(uniform) >= -0.5 * sigma and max(uniform) < 0.5 * sigma
    assert abs(statistics.pstdev(uniform) - sigma / math.sqrt(12)) < 0.05 * sigma / math.sqrt(12)


def test_integer_columns_get_whole_number_noise(built, noise):
    proj, _ = built
    assert {t for (t,) in proj.sql("select distinct typeof(i_g) from noisy")} == {"INTEGER"}
    for column in ("i_g", "i_clip", "i_rel"):
        assert all(x == int(x) for x in noise[column]), column
    assert abs(statistics.pstdev(noise["i_g"]) - math.sqrt(25 + 1 / 12)) < 0.15  # rounding adds 1/12
    assert min(noise["i_clip"]) == -7 and max(noise["i_clip"]) == 6  # whole numbers in [-7.5, 6.5]
    bound = math.floor(3 * 0.02 * _sigma_v(proj))  # whole numbers in [-3s, 3s], s = 0.02 sigma
    assert max(abs(x) for x in noise["i_rel"]) == bound


def test_decimal_stays_decimal(built, noise):
    proj, _ = built
    assert proj.sql("select distinct typeof(dec_g) from noisy") == [("DECIMAL(12,2)",)]
    assert all(abs(x * 100 - round(x * 100)) < 1e-6 for x in noise["dec_g"])
    assert abs(statistics.pstdev(noise["dec_g"]) - 0.5) < 0.05


def test_date_shifts(built):
    proj, _ = built
    rows = proj.sql("select b.ts_g, n.ts_g, b.d_l, n.d_l from noisy n join base b using (id)")
    days, minutes, laplace = [], [], []
    for ts_in, ts_out, d_in, d_out in rows:
        seconds = (ts_out - ts_in).total_seconds()
        assert seconds % 60 == 0
        whole_days = round(seconds / 86400)  # |minute shift| stays far below 12 hours
        days.append(whole_days)
        minutes.append((seconds - 86400 * whole_days) / 60)
        assert isinstance(d_out, dt.date) and not isinstance(d_out, dt.datetime)
        laplace.append((d_out - d_in).days)
    assert abs(statistics.pstdev(days) - 3) < 0.3 and abs(statistics.pstdev(minutes) - 30) < 3
    assert _mean_ok(days, 3) and _mean_ok(minutes, 30)
    assert min(laplace) == -10 and max(laplace) == 10


def test_null_in_null_out_and_lonely_values(built):
    proj, _ = built
    # One non-NULL value has no standard deviation: the output is NULL, not the value.
    assert proj.sql("select id, x, n from lonely order by id") == [(1, None, None), (2, None, None)]


# --- keyed consistency --------------------------------------------------------------------

def test_keyed_noise_is_the_documented_derivation(built):
    """Recompute every keyed uniform from the spec: canonical texts, salt, stream, HMAC."""
    proj, _ = built
    rows = proj.sql("select b.id, b.patient, b.tag, b.price, b.d, b.ts, b.v, n.u_key, n.e_text, n.e_multi, "
                    "b.d as d_in, n.d from noisy n join base b using (id) where b.id % 7 = 0")
    assert len(rows) > 10000
    for id_, patient, tag, price, d, ts, v, u_key, e_text, e_multi, d_in, d_out in rows:
        if v is not None:
            assert u_key == v + (-5 + (5 - (-5)) * keyed_uniform(KEY, "u_key", "number", [str(id_)]))
            assert e_text == v + keyed_uniform(KEY, "e_text", "number", [tag])
            texts = [None if patient is None else str(patient), tag, str(price), d.isoformat(),
                     ts.strftime("%Y-%m-%d %H:%M:%S.%f")]
            assert isinstance(price, Decimal)
            assert e_multi == v + keyed_uniform(KEY, "multi", "number", texts)
        u = keyed_uniform(KEY, "date-perturbation", "day", [None if patient is None else str(patient)])
        assert (d_out - d_in).days == math.floor(-30 + 61 * u)


def test_gaussian_and_laplace_are_the_documented_formulas(built):
    proj, _ = built
    rows = proj.sql("select b.id, b.v, n.g_key, n.l_key from noisy n join base b using (id) "
                    "where b.id % 11 = 0 and b.v is not null")
    for id_, v, g_key, l_key in rows:
        g1, g2 = (keyed_uniform(KEY, "g_key", s, [str(id_)]) for s in ("number", "number#2"))
        l1, l2 = (keyed_uniform(KEY, "l_key", s, [str(id_)]) for s in ("number", "number#2"))
        box_muller = math.sqrt(-2 * math.log(1 - g1)) * math.cos(2 * math.pi * g2)
        assert g_key == pytest.approx(v + 10 * box_muller, rel=1e-12, abs=1e-9)
        assert l_key == pytest.approx(v + 4 * (math.log(1 - l2) - math.log(1 - l1)), rel=1e-12, abs=1e-9)


def test_same_entity_same_noise_and_intervals_survive(built):
    proj, _ = built
    rows = proj.sql("select r.patient, o.admitted - r.admitted, o.discharged - r.discharged, "
                    "o.cost - r.cost, o.fee - r.fee, r.discharged - cast(r.admitted as date), "
                    "o.discharged - cast(o.admitted as date) "
                    "from visits o join visits_raw r using (visit_id)")
    by_patient = {}
    for patient, shift_ts, shift_d, cost, fee, stay_in, stay_out in rows:
        assert shift_ts == dt.timedelta(days=shift_d)  # the two columns move together
        assert stay_in == stay_out  # so the length of stay survives
        by_patient.setdefault(patient, set()).add((shift_d, cost, fee))
    assert len(by_patient) == 2001  # 2000 patients and the NULL one
    assert all(len(v) == 1 for v in by_patient.values())  # one noise per patient
    shifts = [next(iter(v))[0] for v in by_patient.values()]
    assert min(shifts) >= -30 and max(shifts) <= 30 and len(set(shifts)) > 50
    # cost and fee are independent noise sources (salt = column): not equal, uncorrelated.
    pairs = [next(iter(v))[1:] for v in by_patient.values()]
    assert sum(c == f for c, f in pairs) == 0
    assert abs(statistics.correlation([c for c, _ in pairs], [f for _, f in pairs])) < 0.1


def test_consistent_across_tables_and_columns(built):
    proj, _ = built
    visits = dict(proj.sql("select distinct r.patient, (o.discharged - r.discharged) "
                           "from visits o join visits_raw r using (visit_id)"))
    costs = dict(proj.sql("select distinct r.patient, o.cost - r.cost "
                          "from visits o join visits_raw r using (visit_id)"))
    claims = proj.sql("select r.patient, (o.checkup - r.checkup), o.cost - r.cost "
                      "from claims o join claims_raw r using (patient)")
    assert len(claims) == 2000
    for patient, shift, cost in claims:
        assert shift == visits[patient]  # another table, another date column: the same shift
        assert cost == pytest.approx(costs[patient], abs=1e-9)  # same column name: the same noise


def test_identical_across_runs_and_thread_counts(built):
    proj, first = built
    assert _keyed_columns(proj) == first["noisy"]
    assert proj.sql("select * from visits order by visit_id") == first["visits"]


def test_another_key_gives_other_noise(built):
    proj, _ = built
    rows = proj.sql("select a.discharged = b.discharged, a.cost = b.cost from visits a "
                    "join visits_other_key b using (visit_id)")
    same_shift = sum(s for s, _ in rows) / len(rows)
    assert same_shift < 0.05  # 1 in 61 by chance
    assert sum(c for _, c in rows) == 0


def test_column_macros(built, noise):
    proj, _ = built
    rows = proj.sql("select c.u_key = n.u_key or (c.u_key is null and n.u_key is null), "
                    "c.d = n.d or (c.d is null and n.d is null) "
                    "from column_macros c join noisy n using (id)")
    # The same salt and canonical text give the same noise as the policy.
    assert len(rows) == N and all(a and b for a, b in rows)
    rel = [x - v for x, v in proj.sql("select c.rel_w, b.v from column_macros c join base b using (id) "
                                      "where b.v is not null")]
    sigma = _sigma_v(proj)
    assert abs(statistics.pstdev(rel) - 0.1 * sigma) < 0.01 * sigma  # window over the query's rows
    # A named key from the plugin config: other draws than the default key's.
    diff = proj.sql("select count(*) filter (where c.i_g_other = n.i_g), count(*) "
                    "from column_macros c join noisy n using (id) where n.i_g is not null")[0]
    assert diff[0] < 0.2 * diff[1]  # equal only when two rounded gaussians coincide


def test_no_key_material_in_target_or_logs(built):
    proj, _ = built
    forms = [KEY, KEY.hex().encode(), DEFAULT_KEY_B64.encode(), OTHER_KEY, OTHER_KEY.hex().encode(),
             encode_base64url(OTHER_KEY).encode()]
    scanned = 0
    for folder in ("target", "logs"):
        for path in (proj.root / folder).rglob("*"):
            if path.is_file():
                blob = path.read_bytes()
                scanned += 1
                assert not any(f in blob for f in forms), path
    assert scanned > 5
    compiled = next((proj.root / "target").rglob("compiled/**/visits.sql")).read_text()
    assert "cape_keyed_uniform" in compiled and "env:CAPE_DEFAULT_KEY" in compiled
