"""A bad policy, a missing key or bad data fails the model clearly and loses nothing."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

SEED = """\
id,email,token
1,alice@example.com,x
2,bob@example.com,y
"""

SEED_YML = """\
version: 2
seeds:
  - name: raw
    config:
      column_types: {id: integer, email: varchar, token: varchar}
"""


def project(make_project, policy: str, **kw):
    proj = make_project(**kw)
    proj.write("seeds/raw.csv", SEED)
    proj.write("seeds/raw.yml", SEED_YML)
    proj.write("policies/p.yml", policy)
    proj.write("models/clean.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('raw'), 'policies/p.yml') }}")
    proj.dbt("seed")
    return proj


def assert_clean_failure(output: str, *fragments: str):
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in output, f"{fragment!r} not in dbt output:\n{output[-3000:]}"


def test_rule_for_a_missing_column_fails_and_names_it(make_project):
    proj = project(make_project, """
        version: 1
        rules:
          - match: {name: emial}
            actions: [{transform: {type: tokenizer}}]
    """)
    out = proj.dbt("run", expect_ok=False).output
    assert_clean_failure(out, "policies/p.yml", "rule 1", "column 'emial' is not in", "did you mean 'email'")
    assert not proj.table_exists("clean")


@pytest.mark.parametrize("transform,fragments", [
    # near miss of a transform name gets a suggestion
    ("{type: tokeniser}", ["field 'type'", "did you mean 'tokenizer'"]),
    # wrong-typed argument
    ("{type: tokenizer, max_token_len: long}", ["field 'max_token_len'", "expected an integer"]),
    # unknown named transformation
    ("{name: nowhere}", ["field 'name'", "unknown named transformation 'nowhere'"]),
    # wrong key length for AES-SIV; the key itself must not be echoed
    ("{type: reversible-tokenizer, key: tooshortkey}", ["field 'key'", "32, 48 or 64 bytes"]),
    # transform on a type it cannot take
    ("{type: numeric-rounding, precision: 1}", ["numeric-rounding cannot be applied to column 'email'"]),
])
def test_policy_errors_fail_at_compile_time_with_location(make_project, transform, fragments):
    proj = project(make_project, f"""
        version: 1
        rules:
          - match: {{name: email}}
            actions: [{{transform: {transform}}}]
    """)
    out = proj.dbt("run", expect_ok=False).output
    assert_clean_failure(out, "Compilation Error", "policies/p.yml", "rule 1", *fragments)
    assert "tooshortkey" not in out
    assert not proj.table_exists("clean")


def test_missing_default_key_fails_before_writing_and_names_the_rule(make_project):
    proj = project(make_project, """
        version: 1
        rules:
          - match: {name: email}
            actions: [{transform: {type: tokenizer}}]
    """, env={"CAPE_DEFAULT_KEY": ""})
    out = proj.dbt("run", expect_ok=False).output
    assert_clean_failure(out, "rule 1", "CAPE_DEFAULT_KEY is not set")
    assert not proj.table_exists("clean")


def test_failed_rebuild_leaves_previous_table_intact(make_project):
    proj = project(make_project, """
        version: 1
        rules:
          - match: {name: email}
            actions: [{transform: {type: tokenizer}}]
    """)
    proj.dbt("run")
    before = proj.sql("select * from clean order by id")
    proj.write("policies/p.yml", """
        version: 1
        rules:
          - match: {name: mail}
            actions: [{transform: {type: tokenizer}}]
    """)
    proj.dbt("run", expect_ok=False)
    assert proj.sql("select * from clean order by id") == before


def test_tampered_token_fails_naming_the_column_and_keeps_previous_table(make_project):
    key = "k" * 32
    proj = make_project()
    proj.write("seeds/raw.csv", SEED)
    proj.write("seeds/raw.yml", SEED_YML)
    proj.write("policies/tokens.yml", f"""
        version: 1
        rules:
          - match: {{name: email}}
            actions: [{{transform: {{type: reversible-tokenizer, key: {key}}}}}]
    """)
    proj.write("policies/reverse.yml", f"""
        version: 1
        rules:
          - match: {{name: email}}
            actions: [{{transform: {{type: token-reverser, key: {key}}}}}]
    """)
    proj.write("models/tokens.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('raw'), 'policies/tokens.yml') }}")
    proj.write("models/revealed.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('tokens'), 'policies/reverse.yml') }}")
    proj.dbt("build")
    assert proj.sql("select email from revealed order by id") == [("alice@example.com",), ("bob@example.com",)]
    # Tamper one token (flip its last hex digit) and rebuild only the reverser.
    proj.write("models/tokens.sql", """
        {{ config(materialized='table') }}
        with t as ({{ cape.apply_policy(ref('raw'), 'policies/tokens.yml') }})
        select id, case when id = 2 then left(email, length(email) - 1)
               || case when right(email, 1) = '0' then '1' else '0' end else email end as email, token
        from t
    """)
    proj.dbt("run", "--select", "tokens")
    out = proj.dbt("run", "--select", "revealed", expect_ok=False).output
    assert "column 'email'" in out and "not a valid token" in out
    assert proj.sql("select email from revealed order by id") == [("alice@example.com",), ("bob@example.com",)]
