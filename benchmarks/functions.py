"""The functions alone, in DuckDB, on the benchmark's source table: no dbt, no
table write. ``count(f(email))`` makes DuckDB evaluate f on every row and
keep nothing, so the time is the function's (plus the scan)."""
from __future__ import annotations

import contextlib
import os
import statistics
import time
from pathlib import Path

import duckdb

from cape_udfs.batch import flat as _flat
from cape_udfs.duckdb_functions import register
from cape_udfs.kernels.hmac_sha256 import PURE_PYTHON_ENV
from cape_udfs.keyring import Keyring
from cape_udfs.keys import DEFAULT_KEY_ENV, decode_base64url
from cape_udfs.transforms.tokenizer import hmac_tokens

KEY_ID = f"env:{DEFAULT_KEY_ENV}"
BASELINE = "native sha256"
QUERIES = {
    BASELINE: "select count(sha256(email)) from people",
    # The floor of any Python UDF: DuckDB -> Arrow -> Python -> Arrow -> DuckDB.
    "identity Arrow UDF": "select count(bench_identity(email, 'x')) from people",
    "tokenizer (HMAC-SHA256)": f"select count(cape_tokenize(email, '{KEY_ID}', 'hmac-sha256')) from people",
    # The same function on the pure-Python HMAC (CAPE_PURE_PYTHON=1 for this query only).
    "tokenizer (HMAC-SHA256), Python route":
        f"select count(cape_tokenize(email, '{KEY_ID}', 'hmac-sha256')) from people",
    # Without the per-batch distinct-value pass (distinct.py), to see what it costs or saves.
    "tokenizer (HMAC-SHA256), no distinct pass": "select count(bench_tokens_each(email, 'x')) from people",
    "tokenizer (cape-legacy)": f"select count(cape_tokenize(email, '{KEY_ID}', 'cape-legacy')) from people",
    # A low-cardinality column (a country, a plan): each batch is hashed once per distinct value.
    "tokenizer (HMAC-SHA256), 200 distinct values":
        f"select count(cape_tokenize('user_' || (id % 200)::varchar || '@example.com', '{KEY_ID}', 'hmac-sha256')) "
        "from people",
    "tokenizer (HMAC-SHA256), 200 distinct values, no distinct pass":
        "select count(bench_tokens_each('user_' || (id % 200)::varchar || '@example.com', 'x')) from people",
    # consistent_by noise: one keyed uniform per entity (here each row its own entity).
    "keyed uniform (consistent_by email)": f"select count(cape_keyed_uniform([email], '{KEY_ID}', 'age', 'number')) "
                                           "from people",
    "keyed uniform, an entity per 20 rows": f"select count(cape_keyed_uniform(['c' || (id // 20)::varchar], "
                                            f"'{KEY_ID}', 'age', 'number')) from people",
    # Unseeded noise: DuckDB's PCG (what it used before) and the CSPRNG that replaced it.
    "random() (native PCG)": "select count(random()) from people",
    "secure uniform (AES-CTR CSPRNG)": "select count(cape_secure_uniform(0)) from people",
    "secure gaussian (two CSPRNG uniforms, one call)": "select count(cape_secure_gaussian(0)) from people",
    "reversible-tokenizer (AES-SIV)": f"select count(cape_reversible_tokenize(email, '{KEY_ID}')) from people",
    # 16-digit card-number-like strings derived from each row (the derivation is native and cheap).
    "format-preserving-encryption (FF1, 16 digits)":
        "select count(cape_fpe_encrypt(lpad(cast(hash(email) % 10000000000000000 as varchar), 16, '0'), "
        f"'{KEY_ID}', '0123456789', '', 'error', 'card')) from people",
}


PYTHON_ROUTE = {"tokenizer (HMAC-SHA256), Python route"}


def _identity(values, _ignored):
    return values


@contextlib.contextmanager
def _pure_python(on: bool):
    before = os.environ.get(PURE_PYTHON_ENV)
    if on:
        os.environ[PURE_PYTHON_ENV] = "1"
    try:
        yield
    finally:
        if on and before is None:
            os.environ.pop(PURE_PYTHON_ENV, None)
        elif on:
            os.environ[PURE_PYTHON_ENV] = before


def function_times(db_path: Path, key_b64: str, rounds: int, threads: int | None = None) -> dict:
    """{name: {"seconds": median, "ratio": median of per-round ratios to sha256}}."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        register(con, Keyring(environ={DEFAULT_KEY_ENV: key_b64}))
        con.create_function("bench_identity", _identity, ["VARCHAR", "VARCHAR"], "VARCHAR",
                            type="arrow", null_handling="special")
        key = decode_base64url(key_b64, "benchmark key")
        con.create_function("bench_tokens_each", lambda values, _: hmac_tokens(_flat(values), key),
                            ["VARCHAR", "VARCHAR"], "VARCHAR", type="arrow", null_handling="special")
        if threads:
            con.execute(f"set threads = {int(threads)}")
        used_threads = con.execute("select current_setting('threads')").fetchone()[0]
        times = {name: [] for name in QUERIES}
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits all alike
            for name, sql in QUERIES.items():
                with _pure_python(name in PYTHON_ROUTE):
                    started = time.perf_counter()
                    con.execute(sql).fetchall()
                    times[name].append(time.perf_counter() - started)
    finally:
        con.close()
    base = times[BASELINE]
    return {"threads": used_threads, "results": {
        name: {"seconds": statistics.median(t),
               "ratio": statistics.median(x / b for x, b in zip(t, base))}
        for name, t in times.items()}}


def main(argv=None) -> int:
    """``python -m benchmarks.functions [ROWS] [--threads N] [--rounds R] [--only TEXT]``:
    the functions alone on a fresh source table (benchmarks.project.SOURCE_SQL), no dbt."""
    import argparse
    import tempfile

    from benchmarks.project import SOURCE_SQL
    from cape_udfs.keys import generate_key

    parser = argparse.ArgumentParser(prog="python -m benchmarks.functions", description=main.__doc__)
    parser.add_argument("rows", nargs="?", type=lambda s: int(float(s)), default=3_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", default=[],
                        help="run only the lines whose name contains TEXT (repeatable; native sha256 always runs)")
    args = parser.parse_args(argv)
    if args.only:
        global QUERIES
        QUERIES = {k: q for k, q in QUERIES.items() if k == BASELINE or any(o in k for o in args.only)}
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp, "bench.duckdb")
        con = duckdb.connect(str(db_path))
        con.execute(SOURCE_SQL.format(rows=args.rows))
        con.close()
        run = function_times(db_path, generate_key(), args.rounds, threads=args.threads)
    print(f"{args.rows:,} rows, threads={run['threads']}, median of {args.rounds} rounds")
    for name, r in run["results"].items():
        print(f"{name:48s} {r['seconds']:7.3f} s  {r['ratio']:5.2f} x native sha256")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
