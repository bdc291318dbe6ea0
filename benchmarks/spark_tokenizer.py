"""The tokenizer policy on local Spark: rows per second through dbt-spark.

``spark_tokenizer(rows)`` runs this module in a subprocess (so the JVM and its
memory go away with it) and returns a dict:

* ``dbt``: for each model, dbt's execute time of the node and rows/s, in a
  warm session (each model is built once, then ``rounds`` times; the median
  counts):
  ``copy`` (select *), ``sha2`` (Spark's native sha2(email, 256)) and
  ``tokenizer`` (cape.apply_policy with a one-rule tokenizer policy); all
  write a Parquet table.
* ``functions``: the functions alone, ``count(f(email))`` over the cached
  source (no table write), for the Arrow UDF and the pandas UDF kinds.

    python -m benchmarks.spark_tokenizer --rows 1000000 [--master local[2]]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

POLICY = """\
label: bench-tokenizer
version: 1
rules:
  - match: {name: email}
    actions:
      - transform: {type: tokenizer}
"""
# The same source as benchmarks/project.py: short e-mail addresses, no NULLs.
MODELS = {
    "bench_source": "select id, concat('user_', cast(id as string), '@example.com') as email from range({rows})",
    "bench_copy": "select * from {{{{ ref('bench_source') }}}}",
    "bench_sha2": "select id, sha2(email, 256) as email from {{{{ ref('bench_source') }}}}",
    "bench_tokenizer": "{{{{ cape.apply_policy(ref('bench_source'), 'policies/tokenizer.yml') }}}}",
}
MEASURED = {"copy": "bench_copy", "sha2": "bench_sha2", "tokenizer": "bench_tokenizer"}


def spark_tokenizer(rows: int = 1_000_000, master: str = "local[2]", rounds: int = 3,
                    timeout: float = 1800) -> dict:
    """Run the benchmark in a subprocess; see the module docstring."""
    cmd = [sys.executable, "-m", "benchmarks.spark_tokenizer", "--rows", str(rows), "--master", master,
           "--rounds", str(rounds), "--json"]
    proc = subprocess.run(cmd, cwd=str(REPO), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"spark tokenizer benchmark failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _write_project(root: Path, rows: int) -> None:
    import yaml

    (root / "models").mkdir(parents=True)
    (root / "policies").mkdir()
    (root / "policies" / "tokenizer.yml").write_text(POLICY)
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql.format(rows=int(rows)) + "\n")
    (root / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "cape_spark_bench", "version": "1.0.0", "config-version": 2, "profile": "cape_spark_bench",
        "models": {"cape_spark_bench": {"+materialized": "table", "+file_format": "parquet"}},
        "vars": {"cape_audit": False},
    }))
    (root / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(REPO)}]}))
    (root / "profiles.yml").write_text(yaml.safe_dump({"cape_spark_bench": {"target": "dev", "outputs": {"dev": {
        "type": "spark", "method": "session", "host": "local", "schema": "bench", "threads": 1}}}}))


def _execute_seconds(result) -> float:
    for timing in result.timing:
        if timing.name == "execute" and timing.started_at and timing.completed_at:
            return (timing.completed_at - timing.started_at).total_seconds()
    return float(result.execution_time)


def _measure(rows: int, master: str, rounds: int) -> dict:
    from dbt.cli.main import dbtRunner

    from cape_udfs.keyring import KEYRING
    from cape_udfs.keys import generate_key
    from cape_udfs.spark.session import register, spark_session

    os.environ.setdefault("CAPE_DEFAULT_KEY", generate_key(32))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    with tempfile.TemporaryDirectory(prefix="cape-spark-bench-") as tmp:
        root = Path(tmp)
        _write_project(root, rows)
        spark = spark_session(master, {
            "spark.sql.warehouse.dir": str(root / "warehouse"),
            # One process builds and reads everything: no Hive metastore (and no derby.log in the cwd).
            "spark.sql.catalogImplementation": "in-memory",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
        }, app_name="cape-spark-bench")
        spark.sparkContext.setLogLevel("ERROR")
        try:
            functions = register(spark, KEYRING)
            dbt = dbtRunner()
            where = ["--project-dir", str(root), "--profiles-dir", str(root), "--quiet"]
            for args in (["deps"], ["run", "--select", "bench_source"]):
                res = dbt.invoke([*args, *where])
                if not res.success:
                    raise RuntimeError(f"dbt {args[0]} failed: {res.exception}")
            times = {name: [] for name in MEASURED}
            for model in MEASURED.values():  # warm-up: the JVM's code and the Python workers
                dbt.invoke(["run", "--select", model, *where])
            for _ in range(rounds):  # interleaved, so drift on a shared machine hits all alike
                for name, model in MEASURED.items():
                    res = dbt.invoke(["run", "--select", model, *where])
                    if not res.success:
                        raise RuntimeError(f"dbt run --select {model} failed: {res.exception}")
                    times[name].append(_execute_seconds(res.result.results[0]))
            dbt_results = {name: {"seconds": statistics.median(t), "rows_per_s": rows / statistics.median(t)}
                           for name, t in times.items()}

            source = spark.table("bench.bench_source").cache()
            source.count()
            source.createOrReplaceTempView("bench_people")
            key_id = "env:CAPE_DEFAULT_KEY"
            functions.learn_keys([key_id])
            queries = {
                "sha2": "select count(sha2(email, 256)) from bench_people",
                "tokenizer": f"select count(cape_tokenize(email, '{key_id}', 'hmac-sha256')) from bench_people",
            }
            function_results = {}
            for kind in ("arrow", "pandas"):
                if kind == "arrow" and functions.kind != "arrow":
                    continue
                functions.use_kind(kind)
                for name, sql in queries.items():
                    if kind == "pandas" and name == "sha2":
                        continue
                    spark.sql(sql).collect()  # warm the Python workers
                    t = []
                    for _ in range(rounds):
                        started = time.perf_counter()
                        spark.sql(sql).collect()
                        t.append(time.perf_counter() - started)
                    label = name if name == "sha2" else f"{name} ({kind} UDF)"
                    function_results[label] = {"seconds": statistics.median(t),
                                               "rows_per_s": rows / statistics.median(t)}
        finally:
            spark.stop()
    return {"rows": rows, "master": master, "rounds": rounds, "spark": spark.version,
            "dbt": dbt_results, "functions": function_results}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    args = parser.parse_args(argv)
    result = _measure(args.rows, args.master, args.rounds)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"Spark {result['spark']}, {result['master']}, {args.rows:,} rows, median of {args.rounds}")
    for group in ("dbt", "functions"):
        for name, r in result[group].items():
            print(f"  {group:9} {name:28} {r['seconds']:8.2f} s {r['rows_per_s']:>12,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
