"""The attacks of the security review, each through real dbt on a real DuckDB file.

Hostile column names, conditions that try to leave their expression, forged
audit markers, key ids used as oracles, weak keys and keys in profiles.
"""
from __future__ import annotations

import duckdb
import pytest

from cape_udfs.keys import encode_base64url

pytestmark = pytest.mark.integration

# A column name that, pasted between unescaped quotes, outputs email raw as `leaked_email`.
HOSTILE = 'id" as "a", "email" as "leaked_email", \' as "z'
BACKTICK = "note` as `x"
EMAILS = ["alice@example.com", "bob@example.org", "carl@example.net"]


def make_raw(proj, columns: dict[str, str], rows: list[tuple]) -> None:
    """A source table written straight into the warehouse, with whatever names the producer chose."""
    con = duckdb.connect(str(proj.db_path))
    defs = ", ".join('"' + n.replace('"', '""') + '" ' + t for n, t in columns.items())
    con.execute(f"create schema if not exists landing; create or replace table landing.raw ({defs})")
    con.executemany(f"insert into landing.raw values ({', '.join('?' for _ in columns)})", rows)
    con.close()
    proj.write("models/sources.yml", """
        version: 2
        sources:
          - name: landing
            schema: landing
            tables: [{name: raw}]
    """)


def output_columns(proj, table: str) -> list[str]:
    return [r[0] for r in proj.sql(f"select column_name from information_schema.columns where table_name = '{table}' "
                                   "order by ordinal_position")]


@pytest.fixture
def hostile(make_project):
    proj = make_project()
    make_raw(proj, {"id": "integer", HOSTILE: "integer", "email": "varchar", BACKTICK: "varchar"},
             [(i, i * 10, e, "n") for i, e in enumerate(EMAILS, start=1)])
    proj.write("policies/p.yml", """
        rules:
          - match: {name: email}
            actions: [{transform: {type: tokenizer}}]
          - match: {name: id}
            actions:
              - transform: {type: numeric-perturbation, min: -1, max: 1, consistent_by: email}
    """)
    return proj


def test_hostile_column_names_cannot_pass_raw_values(hostile):
    proj = hostile
    proj.write("models/clean.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/p.yml') }}")
    proj.write("models/composed.sql", """
        select {{ cape.sanitized_columns(source('landing', 'raw'), 'policies/p.yml', alias='r') }}
        from {{ source('landing', 'raw') }} r
        where {{ cape.redaction_filter(source('landing', 'raw'), 'policies/p.yml', alias='r') }}
    """)
    proj.write("models/by_macro.sql", """
        select {{ cape.tokenize('"email"') }} as email from {{ source('landing', 'raw') }}
    """)
    proj.write("models/schema.yml", f"""
        version: 2
        models:
          - name: clean
            tests:
              - cape.k_anonymity: {{quasi_identifiers: ['{HOSTILE.replace("'", "''")}'], k: 1}}
            columns:
              - name: email
                tests:
                  - cape.no_raw_values: {{source: "{{{{ source('landing', 'raw') }}}}"}}
    """)
    proj.dbt("build")
    for table in ("clean", "composed"):
        # Exactly the input's names, in order: nothing added, nothing renamed.
        assert output_columns(proj, table) == ["id", HOSTILE, "email", BACKTICK]
        dumped = repr(proj.sql(f"select * from {table}"))
        for email in EMAILS:
            assert email not in dumped, f"{table} carries a raw e-mail"
    assert all(len(t) == 64 for (t,) in proj.sql("select email from by_macro"))


def test_control_characters_in_a_column_name_fail_by_position(make_project):
    proj = make_project()
    make_raw(proj, {"id": "integer", "bad\nname": "varchar"}, [(1, "x")])
    proj.write("policies/p.yml", "rules:\n  - match: {name: id}\n    actions: [drop]\n")
    proj.write("models/clean.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/p.yml') }}")
    out = proj.dbt("run", expect_ok=False).output
    assert "column 2 of" in out and "control character" in out


BREAKOUT = "false) is not true union all select id, email, id, email from landing.raw where (false"


@pytest.mark.parametrize("condition", [
    BREAKOUT,
    "id in (select id from landing.raw)",  # a subquery
    "true; drop table landing.raw",  # a second statement
])
def test_conditions_cannot_leave_their_expression_and_the_old_table_stays(make_project, condition):
    proj = make_project()
    make_raw(proj, {"id": "integer", "email": "varchar"}, [(i, e) for i, e in enumerate(EMAILS, start=1)])
    proj.write("policies/p.yml", """
        rules:
          - match: {name: email}
            actions:
              - transform: {type: tokenizer}
              - transform: {type: row-redact, condition: "id = 2"}
    """)
    proj.write("models/clean.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/p.yml') }}")
    proj.dbt("run")
    before = sorted(proj.sql("select * from clean"))
    assert len(before) == 2
    proj.write("policies/p.yml", f"""
        rules:
          - match: {{name: email}}
            actions:
              - transform: {{type: tokenizer}}
              - transform: {{type: row-redact, condition: "{condition}"}}
    """)
    out = proj.dbt("run", expect_ok=False).output
    assert "policies/p.yml, rule 1" in out and "field 'condition'" in out
    assert sorted(proj.sql("select * from clean")) == before  # the previous table is intact
    assert "union all select" not in out.split("field 'condition'")[1][:300]


def test_copied_audit_marker_gets_no_audit_row(make_project):
    proj = make_project()
    make_raw(proj, {"id": "integer", "email": "varchar"}, [(i, e) for i, e in enumerate(EMAILS, start=1)])
    proj.write("policies/p.yml", "rules:\n  - match: {name: email}\n    actions: [{transform: {type: tokenizer}}]\n")
    proj.write("models/clean.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/p.yml') }}")
    proj.dbt("run")
    compiled = next((proj.root / "target" / "compiled").rglob("clean.sql")).read_text()
    marker = compiled[compiled.index("/* cape-audit"):compiled.index(" */") + 3]
    # The same marker over raw data: in this model, and as the real model's own.
    proj.write("models/forged.sql", marker.replace("model.analytics.clean", "model.analytics.forged")
               + "\nselect * from {{ source('landing', 'raw') }}")
    proj.write("models/clean.sql", marker + "\nselect * from {{ source('landing', 'raw') }}")
    proj.write("models/honest.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/p.yml') }}")
    proj.dbt("run")
    rows = proj.sql("select model_unique_id, invocation_id, finished_at from main.cape_audit order by all")
    latest = max(rows, key=lambda r: r[2])[1]  # the second run's invocation (ids are random, not ordered)
    assert sorted(m for m, i, _ in rows if i == latest) == ["model.analytics.honest"]
    assert sorted(m for m, _, _ in rows) == ["model.analytics.clean", "model.analytics.honest"]  # the first, real run


def test_sql_cannot_use_other_key_ids_as_oracles(make_project, tmp_path):
    secret_yaml = tmp_path / "secrets.yml"
    secret_yaml.write_text("aws_secret_access_key: wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n")
    proj = make_project(env={"SOME_SERVICE_TOKEN": encode_base64url(b"service-token-of-another-system")})
    proj.write("models/oracle_env.sql",
               "{{ config(materialized='table') }} "
               "select cape_tokenize('', 'env:SOME_SERVICE_TOKEN', 'hmac-sha256') as t")
    proj.write("models/oracle_file.sql",
               "{{ config(materialized='table') }} "
               f"select cape_tokenize('', 'policy:{secret_yaml}#r1.a1', 'hmac-sha256') as t")
    proj.write("models/plan_any_yaml.sql",
               "{{ config(materialized='table') }} select cape_plan('{\"policy\": \"" + str(secret_yaml)
               + "\", \"columns\": [[\"a\", \"VARCHAR\"]]}') as t")
    out = proj.dbt("run", "--select", "oracle_env", expect_ok=False).output
    assert "was not handed out in this process" in out
    out = proj.dbt("run", "--select", "oracle_file", expect_ok=False).output
    assert "is not a key of a cape policy inside the project directory" in out
    assert "wJalrXUtnFEMI" not in out
    proj.dbt("run", "--select", "plan_any_yaml")
    (answer,) = proj.sql("select t from plan_any_yaml")[0]
    assert "not a cape policy" in answer and "aws_secret" not in answer and "wJalr" not in answer


def test_weak_keys_are_refused_and_short_plain_strings_warn(make_project):
    proj = make_project(env={"CAPE_DEFAULT_KEY": encode_base64url(b"tooshort")})
    make_raw(proj, {"id": "integer", "email": "varchar"}, [(1, EMAILS[0])])
    proj.write("policies/default.yml",
               "rules:\n  - match: {name: email}\n    actions: [{transform: {type: tokenizer}}]\n")
    proj.write("policies/plain.yml",
               "rules:\n  - match: {name: email}\n    actions: [{transform: {type: tokenizer, key: abc}}]\n")
    proj.write("models/weak_default.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/default.yml') }}")
    proj.write("models/weak_plain.sql", "{{ cape.apply_policy(source('landing', 'raw'), 'policies/plain.yml') }}")
    out = proj.dbt("run", "--select", "weak_default", expect_ok=False).output
    assert "shorter than 16 bytes" in out and "tooshort" not in out
    out = proj.dbt("run", "--select", "weak_plain").output
    assert "shorter than 16 bytes" in out  # Cape's plain-string keys: accepted, with a warning


def test_key_values_in_the_profile_are_refused(make_project):
    proj = make_project(plugin_config={"keys": {"team": {"value": encode_base64url(b"k" * 32)}}})
    out = proj.dbt("debug", expect_ok=False).output
    assert "secret_env" in out and "is not accepted" in out
