"""cape_external: the model's query streamed straight into a Parquet file.

Compared with dbt-duckdb's own `external` on the same query: same rows and
types in the file and in the read-back view, no intermediate table, the
previous file kept when a run fails, and csv handed to dbt-duckdb's `external`.
"""
import base64

import pytest

from tests.integration.conftest import DEFAULT_KEY_B64

POLICY = """
version: 1
rules:
  - match: {name: email}
    actions: [{transform: {type: tokenizer}}]
  - match: {name: amount}
    actions: [{transform: {type: numeric-rounding, dtype: Double, precision: 1}}]
  - match: {name: born}
    actions: [{transform: {type: date-truncation, frequency: year}}]
"""

SOURCE = """
{{ config(materialized='table') }}
select i as id,
       case when i % 7 = 0 then null else 'user' || i || '@exämple.com' end as email,
       i * 1.37 as amount,
       date '1970-01-01' + (i * 11)::integer as born
from range(5000) t(i)
"""


def external(proj, name, materialization, extra=""):
    location = proj.root / "exports" / f"{name}.parquet"
    proj.write(f"models/{name}.sql",
               f"{{{{ config(materialized='{materialization}', location='{location}'{extra}) }}}}\n"
               "{{ cape.apply_policy(ref('src'), 'policies/p.yml') }}")
    return location


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    root = tmp_path_factory.mktemp("cape_external")
    proj = DbtProject(root / "analytics", env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64})
    (proj.root / "exports").mkdir()
    proj.write("models/src.sql", SOURCE)
    proj.write("policies/p.yml", POLICY)
    files = {
        "stock": external(proj, "stock", "external"),
        "streamed": external(proj, "streamed", "cape_external"),
        "ordered": external(proj, "ordered", "cape_external", ", options={'preserve_order': 'true'}"),
    }
    files["sorted"] = proj.root / "exports" / "sorted.parquet"
    proj.write("models/sorted.sql", "{{ config(materialized='cape_external', location='" + str(files["sorted"])
               + "') }}\nselect * from {{ ref('streamed') }}\norder  BY\n amount desc, id")
    for name, materialization in (("stock_parts", "external"), ("streamed_parts", "cape_external")):
        proj.write(f"models/{name}.sql",
                   f"{{{{ config(materialized='{materialization}', location='{proj.root / 'exports' / name}', "
                   "options={'partition_by': 'born'}) }}\n{{ cape.apply_policy(ref('src'), 'policies/p.yml') }}")
    proj.write("models/as_csv.sql",
               "{{ config(materialized='cape_external', location='" + str(proj.root / "exports" / "as_csv.csv")
               + "') }}\n{{ cape.apply_policy(ref('src'), 'policies/p.yml') }}")
    run = proj.dbt("run", "--debug")
    return proj, files, run


def parquet(proj, path, order="id"):
    return proj.sql(f"select * from read_parquet('{path}') order by {order}")


def test_streamed_file_and_view_equal_dbt_duckdbs_external(built):
    proj, files, _ = built
    stock = parquet(proj, files["stock"])
    assert len(stock) == 5000 and any(row[1] is None for row in stock)
    assert parquet(proj, files["streamed"]) == stock
    assert proj.sql("select * from streamed order by id") == stock
    types = ("select column_name, data_type from information_schema.columns where table_name = ? "
             "order by ordinal_position")
    assert proj.sql(types, ["streamed"]) == proj.sql(types, ["stock"])
    assert proj.sql("select table_type from information_schema.tables where table_name = 'streamed'") == [("VIEW",)]


def test_partitioned_writes_match_too(built):
    proj, _, _ = built
    streamed = proj.sql("select * from streamed_parts order by id")
    assert len(streamed) == 5000
    assert streamed == proj.sql("select * from stock_parts order by id")
    years = {p.name for p in (proj.root / "exports" / "streamed_parts").iterdir()}
    assert years == {p.name for p in (proj.root / "exports" / "stock_parts").iterdir()} and len(years) > 1


def test_no_intermediate_table_and_insertion_order_only_on_request(built):
    proj, files, run = built
    log = run.output
    assert "stock__dbt_tmp" in log  # dbt-duckdb's external builds a table first
    assert "streamed__dbt_tmp" not in log
    assert "preserve_order false" in log
    ids = [row[0] for row in proj.sql(f"select id from read_parquet('{files['ordered']}')")]
    assert ids == sorted(ids)
    # A query with ORDER BY keeps its order (DuckDB would drop it under preserve_order false).
    rows = proj.sql(f"select amount, id from read_parquet('{files['sorted']}')")
    assert len(rows) == 5000 and rows == sorted(rows, key=lambda r: (-r[0], r[1]))


def test_audit_trail_records_streamed_models(built):
    proj, _, _ = built
    models = {row[0] for row in proj.sql("select model_unique_id from main.cape_audit")}
    assert {"model.analytics.streamed", "model.analytics.stock"} <= models


def test_csv_is_handed_to_dbt_duckdb_external(built):
    proj, _, run = built
    assert "as_csv__dbt_tmp" in run.output  # dbt-duckdb's path: table first, then copy
    assert proj.sql("select count(*) from as_csv") == [(5000,)]


def test_no_key_material_in_target_logs_or_files(built):
    proj, files, _ = built
    key = base64.urlsafe_b64decode(DEFAULT_KEY_B64 + "=")
    needles = [key, DEFAULT_KEY_B64.encode(), key.hex().encode()]
    paths = [p for d in ("target", "logs") for p in (proj.root / d).rglob("*") if p.is_file()]
    for path in [*paths, *files.values()]:
        data = path.read_bytes()
        assert not any(n in data for n in needles), path


def test_failed_run_keeps_previous_file_and_view(built):
    proj, files, _ = built
    before = files["streamed"].read_bytes()
    expected = proj.sql("select * from streamed order by id")
    # The email column now goes to a token-reverser: its values are no tokens, so the query fails mid-run.
    proj.write("policies/p.yml", """
        version: 1
        rules:
          - match: {name: email}
            actions: [{transform: {type: token-reverser, key: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}}]
    """)
    try:
        out = proj.dbt("run", "--select", "streamed", expect_ok=False).output
    finally:
        proj.write("policies/p.yml", POLICY)
    assert "not a valid token" in out
    assert files["streamed"].read_bytes() == before
    assert proj.sql("select * from streamed order by id") == expected
    assert not list(files["streamed"].parent.glob("tmp_*"))


def test_empty_result_keeps_the_schema(make_project):
    proj = make_project()
    (proj.root / "exports").mkdir()
    proj.write("models/src.sql", SOURCE.replace("range(5000)", "range(0)"))
    proj.write("policies/p.yml", POLICY)
    location = external(proj, "streamed", "cape_external")
    proj.dbt("run")
    assert parquet(proj, location) == []
    assert proj.sql("select count(*) from streamed") == [(0,)]
    cols = proj.sql("select column_name, data_type from information_schema.columns "
                    "where table_name = 'streamed' order by ordinal_position")
    assert cols == [("id", "BIGINT"), ("email", "VARCHAR"), ("amount", "DECIMAL(22,2)"), ("born", "DATE")]


def test_a_project_can_route_every_external_model_here(make_project):
    proj = make_project()
    (proj.root / "exports").mkdir()
    proj.write("models/src.sql", SOURCE)
    proj.write("policies/p.yml", POLICY)
    proj.write("macros/external.sql", """
        {% materialization external, adapter='duckdb' %}
          {{ return(cape.materialization_cape_external_duckdb()) }}
        {% endmaterialization %}
    """)
    location = external(proj, "share", "external")
    run = proj.dbt("run", "--debug")
    assert "share__dbt_tmp" not in run.output and "preserve_order false" in run.output
    assert len(parquet(proj, location)) == 5000


def test_a_python_model_is_refused_with_a_clear_error(make_project):
    proj = make_project()
    proj.write("models/src.sql", SOURCE)
    proj.write("models/py_share.py", """
def model(dbt, session):
    dbt.config(materialized="cape_external")
    return dbt.ref("src")
""")
    out = proj.dbt("run", expect_ok=False).output
    assert "cape_external" in out and "python" in out.lower()
