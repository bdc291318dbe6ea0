"""The keyed transforms of the working tree against those of a git revision,
in one process, so a shared machine's noise hits both alike.

    python -m benchmarks.udf_before_after [--rev HEAD] [--rows 1000000] [--rounds 5]

(``--rev bd5cb32`` is the last revision before the batched fast paths.)

Loads tokenizer.py, reversible_tokenizer.py and token_reverser.py as they are at
REV, then times (1) each function on 2048-row Arrow batches (what DuckDB hands
a UDF) and (2) each registered as a DuckDB Arrow UDF with the same wrapper,
``count(f(email))`` over ROWS generated emails. Both versions' outputs are
compared first.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from cape_udfs.batch import constant as _constant
from cape_udfs.batch import flat as _flat
from cape_udfs.transforms import reversible_tokenizer, token_reverser, tokenizer

REPO = Path(__file__).resolve().parents[1]
MODULES = {"tokenizer": tokenizer, "reversible_tokenizer": reversible_tokenizer, "token_reverser": token_reverser}
KEY = bytes(range(32))


def load_at(rev: str, name: str, workdir: Path):
    source = subprocess.run(["git", "show", f"{rev}:cape_udfs/transforms/{name}.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    path = workdir / f"{name}_at_rev.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"_rev_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def functions(tk, rt, tr):
    return {
        "tokenizer (HMAC-SHA256)": lambda v: tk.hmac_tokens(v, KEY),
        "tokenizer (cape-legacy)": lambda v: tk.legacy_tokens(v, KEY),
        "reversible-tokenizer": lambda v: rt.siv_tokens(v, KEY),
        "token-reverser": lambda v: tr.reverse_tokens(v, KEY, "email"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.udf_before_after")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--rows", type=lambda s: int(float(s)), default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        old = {name: load_at(args.rev, name, Path(tmp)) for name in MODULES}
    before = functions(old["tokenizer"], old["reversible_tokenizer"], old["token_reverser"])
    after = functions(tokenizer, reversible_tokenizer, token_reverser)

    batch = pa.array([f"user_{i}@example.com" if i % 50 else None for i in range(2048)])
    tokens = reversible_tokenizer.siv_tokens(batch, KEY)
    inputs = {name: tokens if name == "token-reverser" else batch for name in after}
    for name in after:
        if not before[name](inputs[name]).equals(after[name](inputs[name])):
            raise SystemExit(f"{name}: outputs differ between {args.rev} and the working tree")

    print(f"### One 2048-row batch (2% NULL), ns per row, median of {args.rounds} rounds "
          f"(working tree vs {args.rev})\n")
    print("| function | before | after | speed-up |\n|---|---:|---:|---:|")
    for name in after:
        times = {"before": [], "after": []}
        for _ in range(args.rounds):
            for label, fn in (("before", before[name]), ("after", after[name])):
                started = time.perf_counter()
                for _ in range(20):
                    fn(inputs[name])
                times[label].append((time.perf_counter() - started) / 20 / len(batch) * 1e9)
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"| {name} | {b:.0f} | {a:.0f} | {b / a:.2f}x |")

    con = duckdb.connect()
    con.execute(f"create table people as select 'user_' || i::varchar || '@example.com' as email "
                f"from range({args.rows}) t(i)")
    for label, fns in (("before", before), ("after", after)):
        for name, fn in fns.items():
            udf = (lambda f: lambda values, key_ids: f(_flat(values)) if _constant(key_ids, "k") else None)(fn)
            con.create_function(_sql_name(label, name), udf, ["VARCHAR", "VARCHAR"], "VARCHAR",
                                type="arrow", null_handling="special")
    con.execute("create table tokens as select before_reversible_tokenizer(email, 'k') as token from people")
    queries = {"native sha256": "select count(sha256(email)) from people"}
    for name in after:
        column, table = ("token", "tokens") if name == "token-reverser" else ("email", "people")
        for label in ("before", "after"):
            queries[f"{label} {name}"] = f"select count({_sql_name(label, name)}({column}, 'k')) from {table}"
    times = {q: [] for q in queries}
    for _ in range(max(3, args.rounds // 2)):
        for q, sql in queries.items():
            started = time.perf_counter()
            con.execute(sql).fetchall()
            times[q].append(time.perf_counter() - started)
    threads = con.execute("select current_setting('threads')").fetchone()[0]
    base = statistics.median(times["native sha256"])
    print(f"\n### As DuckDB Arrow UDFs, count(f(email)) over {args.rows:,} rows, threads={threads}, "
          f"median of {len(times['native sha256'])} rounds\n")
    print(f"native sha256: {base:.2f}s\n")
    print("| function | before (s) | after (s) | speed-up | after x native sha256 |\n|---|---:|---:|---:|---:|")
    for name in after:
        b = statistics.median(times[f"before {name}"])
        a = statistics.median(times[f"after {name}"])
        print(f"| {name} | {b:.2f} | {a:.2f} | {b / a:.2f}x | {a / base:.2f} |")
    return 0


def _sql_name(label: str, name: str) -> str:
    return f"{label}_{name.split(' ')[0].replace('-', '_')}" + ("_legacy" if "legacy" in name else "")


if __name__ == "__main__":
    sys.exit(main())
