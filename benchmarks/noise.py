"""Unseeded noise: cape_secure_uniform (CSPRNG) against DuckDB's random() in a
perturbation model.

    python -m benchmarks.noise [ROWS] [--rounds 3] [--sql-rounds 9]

Builds the benchmark project (benchmarks/project.py) with ROWS source rows
(default 1,000,000) and runs, interleaved, ``bench_noise_random`` (the policy's
SELECT with random(), what unseeded noise compiled to before) and
``bench_noise_secure`` (the same SELECT as cape renders it now) under real
`dbt run`, printing dbt's execute time of each node. dbt's times on a shared
machine swing by 2x from run to run, so the compiled SELECTs of both models
are then also timed in this process (``create or replace table ... as``, cape's
functions registered as the plugin registers them), interleaved, in wall clock
and in CPU time of the process (all DuckDB threads), which other jobs on the
machine disturb less. Each ratio is the median of the per-round ratios.
``make bench`` runs the same two models among the others.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.project import BenchProject
from cape_udfs.duckdb_functions import register
from cape_udfs.keyring import Keyring
from cape_udfs.keys import DEFAULT_KEY_ENV

MODELS = ("bench_noise_random", "bench_noise_secure")


def _compiled_select(project: BenchProject, model: str) -> str:
    sql = next((project.root / "target").rglob(f"compiled/**/{model}.sql")).read_text()
    return re.sub(r"/\*.*?\*/", "", sql, flags=re.S)


def _sql_times(project: BenchProject, rounds: int) -> dict:
    con = duckdb.connect(str(project.db_path))
    try:
        register(con, Keyring(environ={DEFAULT_KEY_ENV: project.key_b64}))
        selects = {m: _compiled_select(project, m) for m in MODELS}
        times = {m: {"wall": [], "cpu": []} for m in MODELS}
        for _ in range(rounds):
            for model, select in selects.items():
                wall, cpu = time.perf_counter(), time.process_time()
                con.execute(f"create or replace table sql_{model} as {select}")
                times[model]["wall"].append(time.perf_counter() - wall)
                times[model]["cpu"].append(time.process_time() - cpu)
        threads = con.execute("select current_setting('threads')").fetchone()[0]
    finally:
        con.close()
    return {"threads": threads, "times": times}


def _ratio(a, b):
    return statistics.median(x / y for x, y in zip(a, b))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.noise")
    parser.add_argument("rows", nargs="?", type=lambda s: int(float(s)), default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="dbt runs per model (default 3)")
    parser.add_argument("--sql-rounds", type=int, default=9, help="in-process runs per model (default 9)")
    args = parser.parse_args(argv)
    project = BenchProject(Path(tempfile.mkdtemp(prefix="cape-noise-bench-")) / "project")
    project.generate(args.rows)
    project.deps()
    runs = {m: [] for m in MODELS}
    for round_no in range(args.rounds):
        for model in MODELS:
            runs[model].append(project.run(model))
            print(f"round {round_no + 1} {model}: execute {runs[model][-1].execute_s:.3f}s "
                  f"wall {runs[model][-1].wall_s:.2f}s", file=sys.stderr, flush=True)
    base, secure = runs["bench_noise_random"], runs["bench_noise_secure"]
    print(f"{args.rows:,} rows; four uniforms a row (gaussian, integer uniform, date shift)")
    print(f"dbt run, median of {args.rounds} rounds (execute time of the node):")
    for model in MODELS:
        print(f"  {model}: {statistics.median(r.execute_s for r in runs[model]):.3f}s")
    print(f"  secure / random(): {_ratio([r.execute_s for r in secure], [r.execute_s for r in base]):.2f}x "
          f"execute, {_ratio([r.wall_s for r in secure], [r.wall_s for r in base]):.2f}x dbt run wall clock")
    sql = _sql_times(project, args.sql_rounds)
    t = sql["times"]
    print(f"the compiled SELECTs in process (threads={sql['threads']}), median of {args.sql_rounds} rounds:")
    for model in MODELS:
        print(f"  {model}: wall {statistics.median(t[model]['wall']):.3f}s, "
              f"CPU {statistics.median(t[model]['cpu']):.3f}s")
    for what in ("wall", "cpu"):
        print(f"  secure / random(), {what}: "
              f"{_ratio(t['bench_noise_secure'][what], t['bench_noise_random'][what]):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
