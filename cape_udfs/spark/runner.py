"""``cape-udfs dbt-spark ARGS...``: run dbt on Spark with cape's functions.

dbt-spark's ``method: session`` runs every query on the SparkSession of the
process dbt runs in, so this command creates (or, under spark-submit, joins)
that session, registers cape's functions on it and invokes dbt in-process
through dbtRunner. ARGS are dbt's own (``run --select x``).
"""
from __future__ import annotations

from cape_udfs.keyring import KEYRING
from cape_udfs.spark.session import register, spark_session


def run_dbt(dbt_args, *, master: str | None = None, conf: dict | None = None,
            keys: dict | None = None, kind: str | None = None) -> int:
    """dbt's exit code: 0 success, 1 a node failed, 2 dbt itself failed.

    ``keys`` maps key names (``key: {type: named, name: N}`` in a policy) to
    the environment variables that hold them, like the DuckDB plugin's
    ``keys: {N: {env: VAR}}``.
    """
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    if keys:
        KEYRING.declare({name: {"env": var} for name, var in keys.items()})
    fix_seed_bindings()
    joined = SparkSession.getActiveSession() is not None
    spark = spark_session(master, conf)
    try:
        register(spark, KEYRING, kind)
        result = dbtRunner().invoke(list(dbt_args))
    finally:
        if not joined:
            spark.stop()  # flushes the event log, if any
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


def fix_seed_bindings() -> None:
    """Make dbt-spark's session method load seed NULLs and quotes correctly.

    It writes each seed value into the INSERT as ``'{value}'``, so NULL
    becomes the text 'None' and an apostrophe (O'Connor) ends the literal
    (dbt-labs/dbt-adapters#487, open). Here NULL is written as NULL and text
    is quoted the way Spark reads string literals; other values are left to
    dbt-spark.
    """
    from dbt.adapters.spark.session import SessionConnectionWrapper

    original = SessionConnectionWrapper._fix_binding
    if getattr(original, "cape_fixed", False):
        return

    def _fix_binding(cls, value):
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return original(value)

    _fix_binding.cape_fixed = True
    SessionConnectionWrapper._fix_binding = classmethod(_fix_binding)
