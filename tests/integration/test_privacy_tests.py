"""cape.k_anonymity, cape.l_diversity and cape.no_raw_values run by real dbt.

One consumer project, one `dbt build --store-failures`; every generic test has
a name, so each outcome (status, failure count, stored failing rows) is read
back from run_results.json and the audit schema.
"""
from __future__ import annotations

import json

import duckdb
import pytest

pytestmark = pytest.mark.integration

# Groups by (zip, age): (1000,30) 2, (1000,40) 1, (2000,40) 2, (NULL,50) 2, (3000,60) 1.
# Diagnoses by zip: 1000 {flu, cold}, 2000 {flu}, NULL {cold, NULL}, 3000 {asthma}.
PATIENTS_CSV = """\
id,name,zip,age,diagnosis,city
1,Ann,1000,30,flu,Oslo
2,Ben,1000,30,cold,Oslo
3,Cid,1000,40,flu,Oslo
4,Dee,2000,40,flu,Rome
5,Eve,2000,40,flu,Rome
6,Fay,,50,cold,Rome
7,Gus,,50,,Rome
8,Hal,3000,60,asthma,Oslo
"""

SEEDS_YML = """\
version: 2
seeds:
  - name: patients
    config:
      column_types: {id: integer, name: varchar, zip: varchar, age: integer, diagnosis: varchar, city: varchar}
"""

POLICY = """\
label: patients
version: 1
rules:
  - match: {name: id}
    actions:
      - transform: {type: tokenizer, max_token_len: 16}
  - match: {name: name}
    actions:
      - transform: {type: tokenizer}
"""

SCHEMA_YML = """\
version: 2
models:
  - name: patients_clean
    data_tests:
      - cape.k_anonymity:
          name: k2_zip_age
          arguments: {quasi_identifiers: [zip, age], k: 2}
      - cape.k_anonymity:
          name: k_default_zip_age
          arguments: {quasi_identifiers: [zip, age]}
      - cape.k_anonymity:
          name: k3_city_passes
          arguments: {quasi_identifiers: [city], k: 3}
      - cape.k_anonymity:
          name: k2_zip_age_warn
          arguments: {quasi_identifiers: [zip, age], k: 2}
          config: {severity: warn}
      - cape.k_anonymity:
          name: bad_k
          arguments: {quasi_identifiers: [zip], k: 0}
      - cape.k_anonymity:
          name: bad_quasi_identifiers
          arguments: {quasi_identifiers: zip}
      - cape.l_diversity:
          name: l2_zip
          arguments: {quasi_identifiers: [zip], sensitive_column: diagnosis, l: 2}
      - cape.l_diversity:
          name: l_default_city_passes
          arguments: {quasi_identifiers: [city], sensitive_column: diagnosis}
      - cape.l_diversity:
          name: bad_sensitive_is_quasi
          arguments: {quasi_identifiers: [zip, diagnosis], sensitive_column: diagnosis}
    columns:
      - name: id
        data_tests:
          - cape.no_raw_values:
              name: raw_id_token_vs_integer_passes
              arguments: {source: ref('patients')}
      - name: name
        data_tests:
          - cape.no_raw_values:
              name: raw_name_passes
              arguments: {source: ref('patients')}
      - name: city
        data_tests:
          - cape.no_raw_values:
              name: raw_city_leaks
              arguments: {source: ref('patients')}
      - name: diagnosis
        data_tests:
          - cape.no_raw_values:
              name: raw_diagnosis_leaks_nulls_ignored
              arguments: {source: ref('patients')}
  - name: patients_renamed
    columns:
      - name: age_text
        data_tests:
          - cape.no_raw_values:
              name: raw_age_text_vs_integer_leaks
              arguments: {source: ref('patients'), source_column: age}
      - name: full_name
        data_tests:
          - cape.no_raw_values:
              name: raw_upper_name_passes
              arguments: {source: ref('patients'), source_column: name}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.conftest import DEFAULT_KEY_B64
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("privacy") / "analytics",
                      env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64})
    proj.write("seeds/patients.csv", PATIENTS_CSV)
    proj.write("seeds/seeds.yml", SEEDS_YML)
    proj.write("policies/patients.yml", POLICY)
    proj.write("models/patients_clean.sql",
               "{{ config(materialized='table') }}\n"
               "{{ cape.apply_policy(ref('patients'), 'policies/patients.yml') }}")
    proj.write("models/patients_renamed.sql",
               "select id, upper(name) as full_name, cast(age as varchar) as age_text from {{ ref('patients') }}")
    proj.write("models/schema.yml", SCHEMA_YML)
    proc = proj.dbt("build", "--store-failures", expect_ok=False)
    results = json.loads((proj.root / "target" / "run_results.json").read_text())["results"]
    by_name = {r["unique_id"].split(".")[2]: r for r in results if r["unique_id"].startswith("test.")}
    return proj, proc, by_name


def stored(proj, name):
    """The failing rows dbt stored for a test, in stored order."""
    con = duckdb.connect(str(proj.db_path), read_only=True)
    try:
        return con.execute(f'select * from main_dbt_test__audit."{name}"').fetchall()
    finally:
        con.close()


def outcome(by_name, name):
    r = by_name[name]
    return r["status"], r["failures"]


def test_every_test_ran(built):
    _, _, by_name = built
    assert len(by_name) == 15


def test_k_anonymity_flags_small_groups_smallest_first_nulls_grouped(built):
    proj, _, by_name = built
    assert outcome(by_name, "k2_zip_age") == ("fail", 2)
    # The (NULL, 50) group has two rows: NULLs group together, so it passes k=2.
    assert stored(proj, "k2_zip_age") == [("1000", 40, 1), ("3000", 60, 1)]


def test_k_anonymity_default_k_is_5(built):
    proj, _, by_name = built
    assert outcome(by_name, "k_default_zip_age") == ("fail", 5)
    assert [r[2] for r in stored(proj, "k_default_zip_age")] == [1, 1, 2, 2, 2]


def test_k_anonymity_passes_and_warns(built):
    _, _, by_name = built
    assert outcome(by_name, "k3_city_passes") == ("pass", 0)
    assert outcome(by_name, "k2_zip_age_warn") == ("warn", 2)


@pytest.mark.parametrize("name, message", [
    ("bad_k", "cape.k_anonymity: k must be a whole number of at least 1, got 0"),
    ("bad_quasi_identifiers", "cape.k_anonymity: quasi_identifiers must be a non-empty list of column names, got zip"),
    ("bad_sensitive_is_quasi", "cape.l_diversity: sensitive_column 'diagnosis' is also a quasi-identifier"),
])
def test_bad_arguments_fail_at_compile_time_with_a_sentence(built, name, message):
    _, _, by_name = built
    assert by_name[name]["status"] == "error"
    assert message in by_name[name]["message"]


def test_l_diversity_counts_distinct_non_null_sensitive_values(built):
    proj, _, by_name = built
    assert outcome(by_name, "l2_zip") == ("fail", 3)
    # zip NULL holds {cold, NULL}: NULL is not a sensitive value, so diversity 1.
    assert stored(proj, "l2_zip") == [("3000", 1, 1), ("2000", 2, 1), (None, 2, 1)]
    assert outcome(by_name, "l_default_city_passes") == ("pass", 0)


def test_no_raw_values_passes_on_tokens(built):
    _, _, by_name = built
    assert outcome(by_name, "raw_id_token_vs_integer_passes") == ("pass", 0)
    assert outcome(by_name, "raw_name_passes") == ("pass", 0)
    assert outcome(by_name, "raw_upper_name_passes") == ("pass", 0)


def test_no_raw_values_reports_each_leaked_value_once(built):
    proj, _, by_name = built
    assert outcome(by_name, "raw_city_leaks") == ("fail", 2)
    assert stored(proj, "raw_city_leaks") == [("Oslo", 4), ("Rome", 4)]
    # Gus's NULL diagnosis is in both tables and is not a leak.
    assert outcome(by_name, "raw_diagnosis_leaks_nulls_ignored") == ("fail", 3)
    assert {r[0] for r in stored(proj, "raw_diagnosis_leaks_nulls_ignored")} == {"flu", "cold", "asthma"}


def test_no_raw_values_compares_as_text_across_types_and_names(built):
    proj, _, by_name = built
    assert outcome(by_name, "raw_age_text_vs_integer_leaks") == ("fail", 4)
    assert sorted(r[0] for r in stored(proj, "raw_age_text_vs_integer_leaks")) == ["30", "40", "50", "60"]


def test_no_raw_values_is_a_hash_semi_join(built):
    proj, _, _ = built
    compiled = next((proj.root / "target" / "compiled").rglob("raw_city_leaks.sql")).read_text()
    con = duckdb.connect(str(proj.db_path), read_only=True)
    try:
        plan = "\n".join(str(r[1]) for r in con.execute("explain " + compiled).fetchall())
    finally:
        con.close()
    plan = plan.upper().replace(" ", "_")  # DuckDB prints "Hash Join" or HASH_JOIN by version
    assert "HASH_JOIN" in plan and "SEMI" in plan
    for slow in ("NESTED_LOOP_JOIN", "CROSS_PRODUCT", "BLOCKWISE_NL_JOIN", "PIECEWISE_MERGE_JOIN"):
        assert slow not in plan


def test_no_deprecation_warnings(built):
    _, proc, _ = built
    assert "deprecat" not in proc.output.lower()
    assert "[WARNING]" not in proc.output
