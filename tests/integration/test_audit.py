"""The audit trail: cape's on-run-end hook appends one row per model built with
cape.apply_policy, in a consumer project that does nothing to ask for it."""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from cape_udfs.policy import read_policy_file
from tests.integration.conftest import DEFAULT_KEY_B64

pytestmark = pytest.mark.integration

INLINE_KEY = "inline audit key that must never be logged"

PEOPLE_CSV = """\
id,name,age
1,Alice,34
2,Bob,40
3,Carl,41
4,Dora,
"""

POLICY = f"""\
label: people-audit
version: 1
transformations:
  - name: inline
    type: tokenizer
    key: "{INLINE_KEY}"
rules:
  - match: {{name: name}}
    actions:
      - transform: {{name: inline}}
  - match: {{name: age}}
    actions:
      - transform: {{type: numeric-rounding, precision: -1}}
      - transform: {{type: row-redact, condition: "age > 40"}}
  - match: {{name: id}}
    actions: [drop]
"""

# A row filter that fails when the table is built, after compiling fine.
BROKEN_POLICY = """\
label: broken
version: 1
rules:
  - match: {name: name}
    actions:
      - transform: {type: row-redact, condition: "cast(name as integer) > 3"}
"""

AUDIT_COLUMNS = ["invocation_id", "model_unique_id", "relation", "source_relation", "policy_label",
                 "policy_path", "policy_digest", "applied", "rows_in", "rows_out", "started_at", "finished_at"]


def invocation_id(proj):
    return json.loads((proj.root / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]


def audit_rows(proj, table="main.cape_audit"):
    con = duckdb.connect(str(proj.db_path), read_only=True)
    try:
        cur = con.execute(f"select * from {table} order by started_at, model_unique_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("audit") / "analytics", env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64})
    proj.write("seeds/people.csv", PEOPLE_CSV)
    proj.write("policies/people.yml", POLICY)
    proj.write("policies/broken.yml", BROKEN_POLICY)
    proj.write("models/people_table.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('people'), 'policies/people.yml') }}")
    proj.write("models/people_view.sql",
               "{{ config(materialized='view') }}\n{{ cape.apply_policy(ref('people'), 'policies/people.yml') }}")
    proj.write("models/people_incremental.sql",
               "{{ config(materialized='incremental') }}\n"
               "{{ cape.apply_policy(ref('people'), 'policies/people.yml') }}")
    proj.write("models/people_broken.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('people'), 'policies/broken.yml') }}")
    # Ephemeral: inlined into people_from_ephemeral, never built itself.
    proj.write("models/people_ephemeral.sql",
               "{{ config(materialized='ephemeral') }}\n{{ cape.apply_policy(ref('people'), 'policies/people.yml') }}")
    proj.write("models/people_from_ephemeral.sql", "select * from {{ ref('people_ephemeral') }}")
    proj.write("models/plain.sql", "select 1 as x")

    runs = {}
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    proj.dbt("build", "--select", "people", "plain")
    runs["no_cape_models_table_exists"] = proj.table_exists("cape_audit")
    runs["build"] = proj.dbt("build", expect_ok=False)  # people_broken fails
    runs["build_id"] = invocation_id(proj)
    runs["build_window"] = (before, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    runs["vars"] = proj.dbt("run", "--select", "people_table",
                            "--vars", "{cape_audit_schema: governance, cape_audit_table: policy_runs}")
    runs["vars_id"] = invocation_id(proj)
    # An audit table of another layout: the write is skipped with a warning.
    con = duckdb.connect(str(proj.db_path))
    con.execute("create table main.old_audit (invocation_id varchar, note varchar)")
    con.close()
    runs["incompatible"] = proj.dbt("run", "--select", "people_table", "--vars", "{cape_audit_table: old_audit}")
    runs["off"] = proj.dbt("run", "--select", "people_table", "--vars", "{cape_audit: false}")
    return proj, runs


def test_runs_without_cape_models_write_nothing(project):
    _, runs = project
    assert runs["no_cape_models_table_exists"] is False


def test_one_row_per_successful_cape_model(project):
    proj, runs = project
    rows = [r for r in audit_rows(proj) if r["invocation_id"] == runs["build_id"]]
    assert sorted(r["model_unique_id"] for r in rows) == [
        "model.analytics.people_incremental", "model.analytics.people_table", "model.analytics.people_view"]


def test_failed_and_ephemeral_models_leave_no_row(project):
    proj, runs = project
    assert "Conversion Error" in runs["build"].output  # people_broken did fail
    models = {r["model_unique_id"] for r in audit_rows(proj)}
    assert "model.analytics.people_broken" not in models
    assert "model.analytics.people_ephemeral" not in models
    assert "model.analytics.people_from_ephemeral" not in models


def test_row_contents(project):
    proj, runs = project
    rows = {r["model_unique_id"]: r for r in audit_rows(proj) if r["invocation_id"] == runs["build_id"]}
    row = rows["model.analytics.people_table"]
    assert list(row) == AUDIT_COLUMNS
    assert row["relation"] == '"warehouse"."main"."people_table"'
    assert row["source_relation"] == '"warehouse"."main"."people"'
    assert row["policy_label"] == "people-audit"
    assert row["policy_path"] == "policies/people.yml"
    assert row["policy_digest"] == read_policy_file(proj.root / "policies" / "people.yml").digest
    assert row["applied"] == [{"column": "name", "transform": "tokenizer"},
                              {"column": "age", "transform": "numeric-rounding"},
                              {"column": "age", "transform": "row-redact"},
                              {"column": "id", "transform": "column-redact"}]
    assert (row["rows_in"], row["rows_out"]) == (4, 3)  # Carl (41) removed, Dora (NULL age) kept
    start, end = runs["build_window"]
    assert start <= row["started_at"] <= row["finished_at"] <= end


def test_views_are_not_counted_incremental_models_are(project):
    proj, runs = project
    rows = {r["model_unique_id"]: r for r in audit_rows(proj) if r["invocation_id"] == runs["build_id"]}
    # The view's query never ran during the build; counting it could fail the run.
    assert (rows["model.analytics.people_view"]["rows_in"],
            rows["model.analytics.people_view"]["rows_out"]) == (4, None)
    assert (rows["model.analytics.people_incremental"]["rows_in"],
            rows["model.analytics.people_incremental"]["rows_out"]) == (4, 3)


def test_no_key_material_in_audit_or_compiled_code(project):
    proj, _ = project
    text = repr(audit_rows(proj))
    assert INLINE_KEY not in text and DEFAULT_KEY_B64 not in text
    compiled = "\n".join(p.read_text() for p in (proj.root / "target").rglob("*.sql"))
    assert "cape-audit" in compiled  # the marker the hook reads
    assert INLINE_KEY not in compiled and DEFAULT_KEY_B64 not in compiled


def test_schema_and_table_come_from_vars(project):
    proj, runs = project
    rows = audit_rows(proj, "governance.policy_runs")
    assert [(r["invocation_id"], r["model_unique_id"]) for r in rows] == [
        (runs["vars_id"], "model.analytics.people_table")]
    assert all(r["invocation_id"] != runs["vars_id"] for r in audit_rows(proj))


def test_an_unwritable_audit_table_is_a_warning_not_a_failure(project):
    proj, runs = project
    out = runs["incompatible"].output
    assert "Completed successfully" in out
    assert "audit rows not written" in out and "old_audit" in out
    con = duckdb.connect(str(proj.db_path), read_only=True)
    try:
        assert con.execute("select count(*) from main.old_audit").fetchone()[0] == 0
    finally:
        con.close()


def test_the_audit_can_be_turned_off(project):
    proj, runs = project
    assert "audit row" not in runs["off"].output
    assert len(audit_rows(proj)) == 3  # the build's rows only
