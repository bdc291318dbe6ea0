"""Golden outputs: every deterministic transform, policy form and column macro on a fixed
corpus, byte for byte, on DuckDB and on Spark.

The project is test_spark.py's (the same raw rows, policies and models) plus seeded and
keyed noise. A refactor keeps ``tests/golden/*.json`` identical. A change that means to
change outputs regenerates them with ``CAPE_UPDATE_GOLDEN=1`` and says why in its commit.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import os
from pathlib import Path

import pytest

from tests.integration.dbt_project_harness import DbtProject
from tests.integration.test_spark import DETERMINISTIC_MODELS, ENV, REPO, SparkProject, duck_table, write_files

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

SEEDED = """
label: golden-seeded
version: 1
rules:
  - match: {name: age}
    actions:
      - transform: {type: numeric-perturbation, dtype: Integer, min: -2, max: 3, seed: 5}
  - match: {name: income}
    actions:
      - transform: {type: numeric-perturbation, distribution: gaussian, scale: 10, seed: 11}
  - match: {name: balance}
    actions:
      - transform: {type: numeric-perturbation, min: -1, max: 1, seed: 9}
  - match: {name: amount}
    actions:
      - transform: {type: numeric-perturbation, distribution: laplace, scale: 2, consistent_by: email}
  - match: {name: born}
    actions:
      - transform: {type: date-perturbation, frequency: [YEAR, DAY], min: [0, -3], max: [2, 4], seed: 4984}
  - match: {name: joined}
    actions:
      - transform: {type: date-perturbation, frequency: DAY, min: -10, max: 10, consistent_by: [id]}
  - match: {name: seen_at}
    actions:
      - transform: {type: date-perturbation, frequency: [DAY, minutes], min: [-2, -30], max: [3, 30], seed: 7}
"""
GOLDEN_MODELS = [*DETERMINISTIC_MODELS, "people_seeded"]


def golden_value(v) -> str:
    """A value with its type and exact bytes: -0.0 and 0.0 differ, so do 1.50 and 1.5."""
    if isinstance(v, float):
        return "float:" + v.hex()
    if isinstance(v, decimal.Decimal):
        return "decimal:" + str(v)
    if isinstance(v, dt.datetime):
        v = v.astimezone(dt.timezone.utc).replace(tzinfo=None) if v.tzinfo else v
        return "timestamp:" + v.isoformat()
    if isinstance(v, dt.date):
        return "date:" + v.isoformat()
    return f"{type(v).__name__}:{v!r}"


def tables(read) -> dict:
    out = {}
    for model in GOLDEN_MODELS:
        columns, rows = read(model)
        out[model] = {"columns": columns, "rows": sorted([golden_value(v) for v in row] for row in rows)}
    return out


def check(engine: str, got: dict) -> None:
    path = GOLDEN / f"{engine}.json"
    text = json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("CAPE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    for model in GOLDEN_MODELS:
        assert got[model] == want[model], f"{engine} {model} differs from {path.name}"


def write_golden_project(write) -> None:
    write_files(write)
    write("policies/seeded.yml", SEEDED)
    write("models/people_seeded.sql", "{{ cape.apply_policy(ref('raw_people'), 'policies/seeded.yml') }}")


def test_duckdb_outputs_are_golden(tmp_path):
    proj = DbtProject(tmp_path / "shared", name="shared", env=ENV,
                      plugin_config={"keys": {"support": {"env": "CAPE_SUPPORT_KEY"}}},
                      project_extra={"models": {"shared": {"+materialized": "table"}}})
    write_golden_project(proj.write)
    proj.dbt("run", "--select", "raw_people", *GOLDEN_MODELS)
    check("duckdb", tables(lambda m: duck_table(proj, m)))


def test_spark_outputs_are_golden(tmp_path):
    proj = SparkProject(tmp_path / "shared")
    write_golden_project(proj.write)
    (proj.root / "dbt_packages").mkdir()
    (proj.root / "dbt_packages" / "cape").symlink_to(REPO)
    proj.cape_dbt_spark("run", "--select", "raw_people", *GOLDEN_MODELS)
    check("spark", tables(proj.table))
