"""The throwaway dbt project the benchmark runs: a generated source of N rows and
one model per thing measured.

The project is tests/integration/dbt_project_harness.DbtProject (cape installed
with ``local:``, the cape_udfs plugin in the profile); this module adds the
models, the generated data, and a dbt runner that also reports the dbt
process's peak RSS (see peak_rss.py).
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from benchmarks.peak_rss import run_measured
from cape_udfs.keys import generate_key
from tests.integration.dbt_project_harness import DBT, DbtProject

# email: short strings (17-26 bytes), the tokenized column. The others feed the
# 4-transform policy. No NULLs: cape-dataframes' tokenizer cannot take them.
SOURCE_SQL = """
create or replace table people as
select i::bigint as id,
       'user_' || i::varchar || '@example.com' as email,
       (hash(i) % 10000000) / 100.0 as amount,
       (18 + hash(i * 7) % 70)::integer as age,
       date '1940-01-01' + (hash(i * 13) % 25000)::integer as born
from range({rows}) t(i)
"""

TOKENIZER_POLICY = """
label: bench-tokenizer
version: 1
rules:
  - match: {name: email}
    actions:
      - transform: {type: tokenizer}
"""

REVERSIBLE_POLICY = """
label: bench-reversible
version: 1
rules:
  - match: {name: email}
    actions:
      - transform: {type: reversible-tokenizer}
"""

# Also valid for cape-dataframes 0.3.1 (dtype hints; no key: cape makes a random
# tokenizer key, we use CAPE_DEFAULT_KEY).
FOUR_TRANSFORM_POLICY = """
label: bench-four
version: 1
rules:
  - match: {name: email}
    actions:
      - transform: {type: tokenizer, max_token_len: 64}
  - match: {name: amount}
    actions:
      - transform: {type: numeric-rounding, dtype: Double, precision: 1}
  - match: {name: age}
    actions:
      - transform: {type: numeric-perturbation, dtype: Integer, min: -2, max: 3, seed: 7}
  - match: {name: born}
    actions:
      - transform: {type: date-truncation, frequency: year}
"""

# Unseeded noise on three columns (four uniforms a row): the CSPRNG's cost.
NOISE_POLICY = """
label: bench-noise
version: 1
rules:
  - match: {name: amount}
    actions:
      - transform: {type: numeric-perturbation, distribution: gaussian, scale: 10}
  - match: {name: age}
    actions:
      - transform: {type: numeric-perturbation, dtype: Integer, min: -2, max: 3}
  - match: {name: born}
    actions:
      - transform: {type: date-perturbation, frequency: day, min: -30, max: 31}
"""

# The same SELECT with DuckDB's random() (a PCG, what unseeded noise used
# before): the baseline of the CSPRNG's cost, everything else equal.
RANDOM_TWIN_MACRO = """
{% macro random_twin(relation, policy) -%}
  {%- set sql = cape.apply_policy(relation, policy) -%}
  {%- set sql = modules.re.sub('cape_secure_uniform\\(\\d+\\)', 'random()', sql) -%}
  {%- set sql = modules.re.sub('cape_secure_gaussian\\(\\d+\\)', \
'(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))', sql) -%}
  {{ return(modules.re.sub('cape_secure_laplace\\(\\d+\\)', '(ln(1 - random()) - ln(1 - random()))', sql)) }}
{%- endmacro %}
"""

SOURCES_YML = """
version: 2
sources:
  - name: bench
    schema: main
    tables:
      - name: people
      - name: people_parquet
"""

TABLE = "{{ config(materialized='table') }}\n"

# name -> (what it measures, SQL). The throughput models, in run order.
MODELS = {
    "bench_copy": ("copy (select *), table", TABLE + "select * from {{ source('bench', 'people') }}"),
    "bench_sha256": ("native sha256(email), table", TABLE
                     + "select id, sha256(email) as email, amount, age, born from {{ source('bench', 'people') }}"),
    "bench_tokenizer": ("tokenizer (HMAC-SHA256), table", TABLE
                        + "{{ cape.apply_policy(source('bench', 'people'), 'policies/tokenizer.yml') }}"),
    "bench_reversible": ("reversible-tokenizer (AES-SIV), table", TABLE
                         + "{{ cape.apply_policy(source('bench', 'people'), 'policies/reversible.yml') }}"),
    "bench_noise_random": ("fresh noise, 3 columns, random() (PCG), table", TABLE
                           + "{{ random_twin(source('bench', 'people'), 'policies/noise.yml') }}"),
    "bench_noise_secure": ("fresh noise, 3 columns, cape_secure_uniform (CSPRNG), table", TABLE
                           + "{{ cape.apply_policy(source('bench', 'people'), 'policies/noise.yml') }}"),
    "bench_policy_table": ("4-transform policy, table", TABLE
                           + "{{ cape.apply_policy(source('bench', 'people'), 'policies/four.yml') }}"),
    "bench_policy_parquet": ("4-transform policy, Parquet -> external Parquet",
                             "{{ config(materialized='external', location='exports/bench_policy.parquet') }}\n"
                             "{{ cape.apply_policy(source('bench', 'people_parquet'), 'policies/four.yml') }}"),
    "bench_policy_streamed": ("4-transform policy, Parquet -> cape_external Parquet",
                              "{{ config(materialized='cape_external', location='exports/bench_streamed.parquet') }}\n"
                              "{{ cape.apply_policy(source('bench', 'people_parquet'), 'policies/four.yml') }}"),
}
# The Parquet-to-Parquet models compared with cape-dataframes.
PARQUET_MODELS = ("bench_policy_parquet", "bench_policy_streamed")
BASELINE = "bench_sha256"
# A one-row view: its `dbt run` is dbt's own start-up and shut-down.
STARTUP_MODEL = "bench_startup"


@dataclass
class DbtRun:
    model: str
    rows: int
    wall_s: float  # the whole `dbt run --select model` process
    execute_s: float  # dbt's "execute" timing of the node: the DuckDB statements
    peak_rss_bytes: int
    output: str


class BenchProject:
    def __init__(self, root: Path, duckdb_settings: dict | None = None):
        self.root = Path(root)
        self.key_b64 = generate_key(32)
        # DuckDB settings (e.g. memory_limit: the buffer pool otherwise grows to
        # 80% of RAM) are SET at run start: in the profile's `settings` they
        # would also reach cape's plugin, which dbt-duckdb hands them as config.
        extra = {"on-run-start": [f"set {name} = '{value}'" for name, value in (duckdb_settings or {}).items()]}
        self.project = DbtProject(self.root, name="cape_bench", env={"CAPE_DEFAULT_KEY": self.key_b64},
                                  project_extra=extra if duckdb_settings else None)
        self.source_parquet = self.root / "data" / "people.parquet"
        self.rows = 0
        p = self.project
        p.write("models/sources.yml", SOURCES_YML)
        p.write("policies/tokenizer.yml", TOKENIZER_POLICY)
        p.write("policies/reversible.yml", REVERSIBLE_POLICY)
        p.write("policies/four.yml", FOUR_TRANSFORM_POLICY)
        p.write("policies/noise.yml", NOISE_POLICY)
        p.write("macros/random_twin.sql", RANDOM_TWIN_MACRO)
        for name, (_, sql) in MODELS.items():
            p.write(f"models/{name}.sql", sql + "\n")
        p.write(f"models/{STARTUP_MODEL}.sql", "{{ config(materialized='view') }}\nselect 1 as one\n")
        (self.root / "exports").mkdir(exist_ok=True)
        self.source_parquet.parent.mkdir(exist_ok=True)

    @property
    def db_path(self) -> Path:
        return self.project.db_path

    @property
    def env(self) -> dict:
        return self.project.env

    def generate(self, rows: int) -> float:
        """(Re)create the source table and its Parquet copy with ``rows`` rows;
        returns the seconds it took."""
        started = time.perf_counter()
        con = duckdb.connect(str(self.db_path))
        try:
            con.execute(SOURCE_SQL.format(rows=int(rows)))
            con.execute(f"copy people to '{self.source_parquet}' (format parquet)")
            con.execute("create or replace view people_parquet as "
                        f"select * from read_parquet('{self.source_parquet}')")
            con.execute("checkpoint")
        finally:
            con.close()
        self.rows = rows
        return time.perf_counter() - started

    def deps(self) -> None:
        self.project.dbt("deps")

    def run(self, model: str) -> DbtRun:
        """``dbt run --select model`` in a subprocess: wall clock, the node's
        execute time from run_results.json, and the process's peak RSS."""
        cmd = [DBT, "run", "--select", model, "--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        log = self.root / "logs" / f"bench-{model}.out"
        log.parent.mkdir(exist_ok=True)
        with open(log, "w") as out:
            proc, wall, peak_rss = run_measured(cmd, cwd=str(self.root), env=self.env, stdout=out,
                                                stderr=subprocess.STDOUT)
        output = log.read_text(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"dbt run --select {model} failed (exit {proc.returncode}):\n{output[-4000:]}")
        return DbtRun(model, self.rows, wall, _execute_seconds(self.root / "target" / "run_results.json", model),
                      peak_rss, output)


def _execute_seconds(run_results: Path, model: str) -> float:
    results = json.loads(run_results.read_text())["results"]
    (node,) = [r for r in results if r["unique_id"].endswith("." + model)]
    for timing in node["timing"]:
        if timing["name"] == "execute":
            started = dt.datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00"))
            completed = dt.datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00"))
            return (completed - started).total_seconds()
    return float(node["execution_time"])
