"""Throughput and memory of cape's transforms under real `dbt run` on DuckDB.

    python -m benchmarks.run [ROWS]            # or: make bench ROWS=...
        [--rounds 3] [--memory-sizes 1000000,2000000,4000000] [--memory-models M,...]
        [--memory-limit 1GB] [--cape-rows 1000000] [--no-cape] [--no-functions] [--workdir DIR] [--keep] [--json FILE]
        [--no-docs]

A harness, not a test: it builds a throwaway dbt project (cape installed with
``local:``) with a generated source of ROWS rows (default 1,000,000) and prints

1. per model, the wall clock of ``dbt run --select model`` and dbt's execute
   time of the node (the DuckDB statements), rows/s, and the ratio to the
   native ``sha256(email)`` model measured in the same round (medians of
   ``--rounds`` interleaved rounds);
2. the functions alone in DuckDB (no dbt, no write), at DuckDB's default
   threads and at one thread;
3. cape-dataframes 0.3.1 (pandas: read Parquet, apply the same policy, write
   Parquet) against the dbt Parquet models (dbt-duckdb's ``external`` and cape's
   ``cape_external``) on ``--cape-rows`` rows, when the differential tests'
   cape-dataframes venv can be built, with the wall clock of ``dbt run`` on a
   one-row view (dbt's own start-up);
4. the peak RSS of the dbt process at each of ``--memory-sizes`` (the issue's
   report: ``--memory-sizes 5000000,10000000,20000000``; ``--memory-limit 1GB``
   caps DuckDB's buffer pool, which otherwise grows with ``external``'s table).

The tables are also written into docs/performance.md between its
``bench:begin``/``bench:end`` markers (benchmarks/docs_writer.py) unless
``--no-docs``.

The defaults finish in about three and a half minutes on two shared cores.

Times on a shared machine are noisy: compare the ratios, which are taken
within one round.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import importlib.util
import json
import os
import platform
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import duckdb
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from benchmarks.docs_writer import PAGE as DOCS_PAGE
from benchmarks.docs_writer import write_report
from benchmarks.functions import function_times
from benchmarks.project import BASELINE, MODELS, PARQUET_MODELS, STARTUP_MODEL, BenchProject
from cape_udfs.kernels.hmac_sha256 import backend as hmac_backend
from cape_udfs.keys import decode_base64url

DEFAULT_ROWS = 1_000_000
DEFAULT_MEMORY_SIZES = "1000000,2000000,4000000"
MIB = 2**20


def _sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    return [int(float(part)) for part in text.split(",") if part.strip()]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=lambda s: int(float(s)), default=DEFAULT_ROWS,
                        help=f"rows in the source for the throughput runs (default {DEFAULT_ROWS:,})")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement (median; default 3)")
    parser.add_argument("--memory-sizes", type=_sizes, default=_sizes(DEFAULT_MEMORY_SIZES),
                        help=f"row counts for the peak-RSS report, comma-separated, or 'none' "
                             f"(default {DEFAULT_MEMORY_SIZES})")
    parser.add_argument("--memory-models", default=",".join(PARQUET_MODELS),
                        help=f"models run at each memory size (default {','.join(PARQUET_MODELS)}; "
                             f"any of {', '.join(MODELS)})")
    parser.add_argument("--memory-limit", metavar="SIZE",
                        help="DuckDB memory_limit for the dbt runs, e.g. 1GB (default: DuckDB's, 80%% of RAM)")
    parser.add_argument("--cape-rows", type=lambda s: int(float(s)), default=1_000_000,
                        help="rows for the cape-dataframes comparison (default 1,000,000)")
    parser.add_argument("--no-cape", action="store_true", help="skip the cape-dataframes comparison")
    parser.add_argument("--no-functions", action="store_true", help="skip the functions-only timings")
    parser.add_argument("--no-spark", action="store_true",
                        help="skip the Spark line (run only when PySpark is installed: pip install .[spark])")
    parser.add_argument("--workdir", type=Path, help="where to build the project (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the project directory")
    parser.add_argument("--json", type=Path, help="also write all measurements to this file")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not write the tables into docs/performance.md (for trial runs)")
    args = parser.parse_args(argv)
    args.memory_models = [m.strip() for m in args.memory_models.split(",") if m.strip()]
    unknown = [m for m in args.memory_models if m not in MODELS]
    if unknown:
        parser.error(f"unknown --memory-models {unknown}; known: {', '.join(MODELS)}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def machine() -> dict:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(), "duckdb": duckdb.__version__,
        "dbt-core": metadata.version("dbt-core"), "dbt-duckdb": metadata.version("dbt-duckdb"),
        "openssl": ssl.OPENSSL_VERSION,
        "hmac": "{} ({})".format(*hmac_backend()),
    }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def verify(project: BenchProject) -> None:
    """A fast path that gave wrong tokens must not post a number: check a few
    rows of the tokenizer and reversible-tokenizer tables against the library."""
    key = decode_base64url(project.key_b64, "benchmark key")
    con = duckdb.connect(str(project.db_path), read_only=True)
    try:
        rows = con.execute("""select p.email, t.email, r.email from people p
                              join bench_tokenizer t using (id) join bench_reversible r using (id)
                              order by p.id limit 5""").fetchall()
    finally:
        con.close()
    siv = AESSIV(key)
    for plain, token, reversible in rows:
        if token != hmac.new(key, plain.encode(), hashlib.sha256).hexdigest():
            raise SystemExit("benchmark aborted: bench_tokenizer does not hold HMAC-SHA256 tokens")
        if siv.decrypt(bytes.fromhex(reversible), None).decode() != plain:
            raise SystemExit("benchmark aborted: bench_reversible tokens do not decrypt to the input")


def throughput(project: BenchProject, rounds: int) -> tuple[dict, dict]:
    """(summary per model, the runs per model)."""
    runs = {name: [] for name in MODELS}
    for round_no in range(rounds):
        for name in MODELS:  # interleaved, so drift on a shared machine hits every model
            runs[name].append(project.run(name))
            log(f"round {round_no + 1}/{rounds} {name}: wall {runs[name][-1].wall_s:.2f}s "
                f"execute {runs[name][-1].execute_s:.2f}s")
        if round_no == 0:
            verify(project)
    base = runs[BASELINE]
    out = {}
    for name, model_runs in runs.items():
        execute = statistics.median(r.execute_s for r in model_runs)
        out[name] = {
            "what": MODELS[name][0],
            "wall_s": statistics.median(r.wall_s for r in model_runs),
            "execute_s": execute,
            "rows_per_s": project.rows / execute if execute else float("nan"),
            "ratio_execute": statistics.median(r.execute_s / b.execute_s for r, b in zip(model_runs, base)),
            "ratio_wall": statistics.median(r.wall_s / b.wall_s for r, b in zip(model_runs, base)),
            "peak_rss_mib": max(r.peak_rss_bytes for r in model_runs) / MIB,
        }
    return out, runs


def cape_comparison(project: BenchProject, rows: int, rounds: int, dbt_runs: dict | None) -> dict:
    from benchmarks.cape_compare import cape_python, run_cape

    python, why = cape_python()
    if python is None:
        return {"skipped": why}
    if dbt_runs is None:
        log(f"generating {rows:,} rows for the cape-dataframes comparison")
        project.generate(rows)
        dbt_runs = {name: [] for name in PARQUET_MODELS}
        for _ in range(rounds):
            for name in PARQUET_MODELS:
                dbt_runs[name].append(project.run(name))
    out_dir = project.root / "cape_out"
    out_dir.mkdir(exist_ok=True)
    cape_runs = []
    for round_no in range(rounds):
        cape_runs.append(run_cape(python, project.source_parquet, project.root / "policies" / "four.yml",
                                  out_dir / "people.parquet"))
        log(f"cape-dataframes round {round_no + 1}/{rounds}: wall {cape_runs[-1]['wall_s']:.2f}s")
    med = lambda seq: statistics.median(seq)  # noqa: E731
    cape = {k: med(r[k] for r in cape_runs) for k in ("wall_s", "in_process_s", "import_s", "read_s",
                                                       "apply_s", "write_s")}
    cape["peak_rss_mib"] = max(r["peak_rss_bytes"] for r in cape_runs) / MIB
    cape_work = cape["read_s"] + cape["apply_s"] + cape["write_s"]
    dbt = {}
    for name in PARQUET_MODELS:
        runs = dbt_runs[name]
        wall, execute = med(r.wall_s for r in runs), med(r.execute_s for r in runs)
        dbt[name] = {"what": MODELS[name][0], "wall_s": wall, "execute_s": execute,
                     "peak_rss_mib": max(r.peak_rss_bytes for r in runs) / MIB,
                     "speedup_wall": cape["wall_s"] / wall, "speedup_work": cape_work / execute}
    return {"rows": rows, "cape": cape, "dbt": dbt, "dbt_startup_s": _dbt_startup(project)}


def _dbt_startup(project: BenchProject) -> float:
    """Wall clock of `dbt run` on a one-row view: dbt's own start-up and
    shut-down (imports, project and manifest load, hooks, artifacts), which
    every `dbt run` pays whatever it builds."""
    return statistics.median(project.run(STARTUP_MODEL).wall_s for _ in range(3))


def memory(project: BenchProject, sizes: list[int], models: list[str]) -> list[dict]:
    out = []
    for size in sizes:
        log(f"generating {size:,} rows for the memory report")
        project.generate(size)
        for name in models:
            run = project.run(name)
            log(f"memory {size:,} {name}: peak RSS {run.peak_rss_bytes / MIB:.0f} MiB, wall {run.wall_s:.1f}s")
            out.append({"rows": size, "model": name, "wall_s": run.wall_s, "execute_s": run.execute_s,
                        "rows_per_s": size / run.execute_s if run.execute_s else float("nan"),
                        "peak_rss_mib": run.peak_rss_bytes / MIB})
    return out


def targets(results: dict) -> list[dict]:
    """Issue 15's targets, from this run: (what, measured, bound, met)."""
    out = []

    def add(what, value, bound, at_most=True):
        out.append({"what": what, "value": value, "bound": bound, "at_most": at_most,
                    "met": value <= bound if at_most else value >= bound})

    model = results.get("throughput", {}).get("bench_tokenizer")
    if model:
        add(f"tokenizer table model, {results['rows']:,} rows: execute x sha256 model", model["ratio_execute"], 1.3)
    functions = results.get("functions") or []
    two = next((f for f in functions if str(f["threads"]) == "2"), None)
    if two:
        for name in ("tokenizer (HMAC-SHA256)", "keyed uniform (consistent_by email)"):
            add(f"{name} alone, threads=2: x native sha256", two["results"][name]["ratio"], 2.0)
    cape = results.get("cape") or {}
    if "dbt" in cape:
        add(f"cape_external 4-transform policy, {cape['rows']:,} rows: cape-dataframes work / ours",
            cape["dbt"]["bench_policy_streamed"]["speedup_work"], 3.0, at_most=False)
    return out


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM (load average at start "
        f"{m['load_average']}; shared with other jobs, so times are noisy: compare ratios). "
        f"Python {m['python']}, DuckDB {m['duckdb']}, dbt-core {m['dbt-core']}, dbt-duckdb {m['dbt-duckdb']}, "
        f"{m['openssl']}. HMAC route: {m['hmac']}.",
        "",
        f"### dbt run, {results['rows']:,} rows, median of {results['rounds']} rounds",
        "",
        "| model | dbt run wall (s) | execute (s) | rows/s (execute) | x sha256 (execute) | x sha256 (wall) "
        "| peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["throughput"].values():
        lines.append(f"| {r['what']} | {r['wall_s']:.2f} | {r['execute_s']:.2f} | {r['rows_per_s']:,.0f} | "
                     f"{r['ratio_execute']:.2f} | {r['ratio_wall']:.2f} | {r['peak_rss_mib']:.0f} |")
    for f in results.get("functions", []):
        lines += ["", f"### Functions alone in DuckDB (threads={f['threads']}), {results['rows']:,} rows",
                  "", "| function | seconds | rows/s | x native sha256 |", "|---|---:|---:|---:|"]
        for name, r in f["results"].items():
            lines.append(f"| {name} | {r['seconds']:.3f} | {results['rows'] / r['seconds']:,.0f} | {r['ratio']:.2f} |")
    cape = results.get("cape")
    if cape is not None:
        lines += ["", "### cape-dataframes 0.3.1 vs dbt external Parquet (4-transform policy, Parquet in and out)", ""]
        if "skipped" in cape:
            lines.append(f"skipped: {cape['skipped']}")
        else:
            c = cape["cape"]
            lines += [
                f"{cape['rows']:,} rows, median of {results['rounds']} rounds.", "",
                "| | end to end wall (s) | work (s) | peak RSS (MiB) | cape-dataframes / this, end to end | "
                "cape-dataframes / this, work |", "|---|---:|---:|---:|---:|---:|",
                f"| cape-dataframes (pandas) | {c['wall_s']:.2f} | {c['read_s'] + c['apply_s'] + c['write_s']:.2f} "
                f"(read {c['read_s']:.2f}, apply {c['apply_s']:.2f}, write {c['write_s']:.2f}; "
                f"imports {c['import_s']:.2f}) | {c['peak_rss_mib']:.0f} | | |",
            ]
            for d in cape["dbt"].values():
                lines.append(f"| dbt run: {d['what']} | {d['wall_s']:.2f} | {d['execute_s']:.2f} (execute) | "
                             f"{d['peak_rss_mib']:.0f} | {d['speedup_wall']:.2f} | {d['speedup_work']:.2f} |")
            lines += [
                "", f"`dbt run` of a one-row view takes {cape['dbt_startup_s']:.2f}s here (dbt's start-up and "
                f"shut-down); every end-to-end dbt figure includes it. Above 1 means dbt is faster. "
                f"cape-dataframes' tokenizer is sha256(value || key), ours HMAC-SHA256.",
            ]
    if results.get("memory"):
        lines += ["", f"### Peak RSS of the dbt process (DuckDB memory_limit: {results['memory_limit']})", "",
                  "| rows | model | peak RSS (MiB) | dbt run wall (s) | rows/s (execute) |",
                  "|---:|---|---:|---:|---:|"]
        for r in results["memory"]:
            lines.append(f"| {r['rows']:,} | {MODELS[r['model']][0]} | {r['peak_rss_mib']:.0f} | "
                         f"{r['wall_s']:.1f} | {r['rows_per_s']:,.0f} |")
    if results.get("spark"):
        sp = results["spark"]
        lines += ["", f"### Tokenizer on local Spark ({sp.get('master')}, Spark {sp.get('spark')}, "
                      "dbt-spark session)", "",
                  "| what | seconds | rows/s |", "|---|---:|---:|"]
        for group in ("dbt", "functions"):
            for name, r in sp[group].items():
                lines.append(f"| {group}: {name} | {r['seconds']:.2f} | {r['rows_per_s']:,.0f} |")
    if results.get("targets"):
        lines += ["", "### Targets (issue 15), this run", "", "| target | measured | bound | met |",
                  "|---|---:|---:|---|"]
        for t in results["targets"]:
            sign = "<=" if t["at_most"] else ">="
            lines.append(f"| {t['what']} | {t['value']:.2f} | {sign} {t['bound']:.1f} | "
                         f"{'yes' if t['met'] else 'no'} |")
    lines += ["", f"Total benchmark time {results['total_s']:.0f}s; load average at end {results['load_average_end']}."]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="cape-bench-"))
    results = {"machine": machine(), "rows": args.rows, "rounds": args.rounds,
               "memory_limit": args.memory_limit or "DuckDB default (80% of RAM)"}
    try:
        settings = {"memory_limit": args.memory_limit} if args.memory_limit else None
        project = BenchProject(root / "project", settings)
        log(f"project in {project.root}; generating {args.rows:,} rows")
        project.generate(args.rows)
        project.deps()
        results["throughput"], runs = throughput(project, args.rounds)
        if not args.no_functions:
            log("functions alone in DuckDB")
            results["functions"] = [function_times(project.db_path, project.key_b64, args.rounds),
                                    function_times(project.db_path, project.key_b64, args.rounds, threads=1)]
        if not args.no_cape:
            log("cape-dataframes comparison")
            reuse = {name: runs[name] for name in PARQUET_MODELS} if args.cape_rows == args.rows else None
            results["cape"] = cape_comparison(project, args.cape_rows, args.rounds, reuse)
        if args.memory_sizes:
            results["memory"] = memory(project, args.memory_sizes, args.memory_models)
        if not args.no_spark and importlib.util.find_spec("pyspark") is not None:
            log("tokenizer on local Spark")
            from benchmarks.spark_tokenizer import spark_tokenizer
            results["spark"] = spark_tokenizer(rows=args.rows, rounds=args.rounds)
    finally:
        if not (args.keep or args.workdir):
            shutil.rmtree(root, ignore_errors=True)
        elif args.keep:
            log(f"kept {root}")
    results["targets"] = targets(results)
    results["total_s"] = time.perf_counter() - started
    results["load_average_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = report(results)
    print(text)
    if not args.no_docs:
        log(f"wrote {', '.join(write_report(text)) or 'nothing'} into {DOCS_PAGE}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
