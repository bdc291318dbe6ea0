"""cape's transforms as Spark vectorized UDFs: the same Arrow functions DuckDB calls.

Each SQL function is an entry of cape_udfs.function_table, run by
``run_function(name, keys, *arrays)``, which finds the key and calls the
transform's function unchanged; ``make_udf`` wraps it for Spark, as an Arrow UDF (PySpark 4.1+,
``pyarrow.Array`` in and out, like DuckDB's Arrow UDFs) or a pandas UDF
(PySpark 3.5 and 4.0; the Series are converted to Arrow and back).

Keys: SQL passes a key id (``'env:CAPE_DEFAULT_KEY'``), never a key. The
closure Spark pickles for a UDF captures ``keys``, a dict of key id to key
bytes that the driver resolved when it planned the policies, so executors need
neither the key's environment variable nor the policy file. Spark ships the
pickled function inside its tasks; it is not part of the SQL text, the query
plan, the logs or the event log (tests/integration/test_spark.py checks the
event log). A key id missing from ``keys`` (a plan computed by the
``cape_plan`` UDF on a worker instead of on the driver) is resolved by the
worker's own keyring, as on DuckDB, which works where workers share the
driver's environment and files (local mode).

The closures reference this module's functions and ``cape_udfs.keys`` by
module, never the keyring object, so pickling one carries the key dict and
nothing else from the driver.
"""
import inspect

import pyarrow as pa

from cape_udfs import keyring as _keyring
from cape_udfs.batch import run_batch
from cape_udfs.function_table import FUNCTIONS
from cape_udfs.plan_bridge import column_step_request, plan_request


def _key(keys: dict, key_id: str) -> bytes:
    raw = keys.get(key_id)
    return raw if raw is not None else _keyring.KEYRING.get(key_id)


def run_function(name: str, keys: dict, *columns) -> pa.Array:
    """One batch of the function table's ``name``, with the driver's key dict.
    Looked up by name on the executor, so a pickled UDF carries the name and
    the keys, not the function's closure."""
    return run_batch(FUNCTIONS[name], columns, lambda key_id: _key(keys, key_id))


def plan_on_worker(request: str) -> str:
    """cape_plan as a plain Python UDF, for a query the driver does not answer."""
    return plan_request(request)


def column_step_on_worker(request: str) -> str:
    return column_step_request(request)


def vectorized() -> list[tuple[str, int, str, bool]]:
    """(SQL name, number of arguments, Spark return type, deterministic) of every
    batch function, from the function table."""
    return [(fn.sql_name, len(fn.args), fn.sql_return_type("spark"), fn.deterministic) for fn in FUNCTIONS.values()]


def arrow_udfs_available() -> bool:
    try:
        from pyspark.sql.functions import arrow_udf  # noqa: F401
    except ImportError:
        return False
    return True


def _typed(udf, arity: int, hint):
    """Spark reads a vectorized UDF's kind from its signature's type hints:
    give ``udf(*columns)`` one of ``arity`` parameters, all of type ``hint``."""
    params = [inspect.Parameter(f"column{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=hint)
              for i in range(arity)]
    udf.__signature__ = inspect.Signature(params, return_annotation=hint)
    udf.__annotations__ = {**{p.name: hint for p in params}, "return": hint}
    return udf


def _arrow_function(name, keys, arity):
    def udf(*columns):
        return run_function(name, keys, *columns)
    return _typed(udf, arity, pa.Array)


def _pandas_function(name, keys, arity):
    import pandas as pd

    def udf(*columns):
        return run_function(name, keys, *(pa.Array.from_pandas(c) for c in columns)).to_pandas()
    return _typed(udf, arity, pd.Series)


def make_udf(name: str, arity: int, return_type: str, keys: dict, kind: str, deterministic: bool = True):
    """A Spark UDF of ``kind`` ('arrow' or 'pandas') that runs the function
    table's ``name`` with a private copy of ``keys``."""
    from pyspark.sql.types import DoubleType, StringType

    keys = dict(keys)
    return_type = {"string": StringType(), "double": DoubleType()}[return_type]
    if kind == "arrow":
        from pyspark.sql.functions import arrow_udf
        udf = arrow_udf(_arrow_function(name, keys, arity), return_type)
    elif kind == "pandas":
        from pyspark.sql.functions import pandas_udf
        udf = pandas_udf(_pandas_function(name, keys, arity), return_type)
    else:
        raise ValueError("UDF kind must be 'arrow' or 'pandas'")
    return udf if deterministic else udf.asNondeterministic()
