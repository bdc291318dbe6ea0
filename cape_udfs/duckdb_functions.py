"""Register cape's functions on a DuckDB connection.

Every batch function of cape_udfs.function_table becomes an Arrow UDF: DuckDB
hands it batches (vectors of up to 2048 rows), constant arguments such as the key
id arrive as arrays of one repeated value, and cape_udfs.batch.run_batch turns
the call into one call of the transform's function. The plan bridge's three
functions (cape_udfs.plan_bridge) are registered as native scalar functions.
This module imports DuckDB but not dbt, so it also serves benchmarks and tests.
"""
from __future__ import annotations

import inspect

from cape_udfs import plan_bridge
from cape_udfs.batch import run_batch
from cape_udfs.function_table import FUNCTIONS
from cape_udfs.keyring import KEYRING, Keyring


def _arrow(fn, keyring: Keyring):
    def call(*columns):
        return run_batch(fn, columns, keyring.get)
    # DuckDB counts a UDF's parameters from its signature.
    call.__signature__ = inspect.Signature(
        [inspect.Parameter(f"arg{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(len(fn.args))])
    return call


def make_functions(keyring: Keyring = KEYRING):
    """(name, function, parameter types, return type, kind, side effects) for every cape function."""
    rows = [(fn.sql_name, _arrow(fn, keyring), fn.sql_types("duckdb"), fn.sql_return_type("duckdb"), "arrow",
             not fn.deterministic) for fn in FUNCTIONS.values()]
    # The bridge reads files and keeps state: DuckDB must call it every time.
    rows += [
        ("cape_plan", lambda request: plan_bridge.plan_request(request, keyring), ["VARCHAR"], "VARCHAR", "native",
         True),
        ("cape_column_step", lambda request: plan_bridge.column_step_request(request, keyring), ["VARCHAR"],
         "VARCHAR", "native", True),
        ("cape_audit_verify", plan_bridge.verify_audit, ["VARCHAR"], "BOOLEAN", "native", True),
    ]
    return rows


def register(conn, keyring: Keyring = KEYRING) -> None:
    """Register (or re-register) cape's functions on a DuckDB connection."""
    for name, fn, params, returns, kind, side_effects in make_functions(keyring):
        try:
            conn.remove_function(name)
        except Exception:  # not registered yet
            pass
        conn.create_function(name, fn, params, returns, type=kind, null_handling="special",
                             side_effects=side_effects)
