"""The function table: every batch function cape's SQL calls, from the transform registry.

Each transform declares the functions its SQL calls (``Transform.functions``,
see cape_udfs.batch); this table collects them once, so the DuckDB and Spark
registrars register exactly the same functions with the same signatures and no
engine keeps a hand-written list.
"""
from __future__ import annotations

from cape_udfs.batch import BatchFunction
from cape_udfs.transforms import TRANSFORMS


def _collect() -> dict[str, BatchFunction]:
    table: dict[str, BatchFunction] = {}
    for tr in TRANSFORMS:
        for fn in tr.functions:
            known = table.setdefault(fn.sql_name, fn)
            if known is not fn:
                raise RuntimeError(f"two declarations of the SQL function {fn.sql_name}")
    return table


FUNCTIONS: dict[str, BatchFunction] = _collect()

# The plan bridge's functions (cape_udfs.plan_bridge): JSON text in, JSON text
# (or a boolean) out, called once per compile-time query.
BRIDGE = ("cape_plan", "cape_column_step", "cape_audit_verify")
