"""cape's transforms as Spark vectorized UDFs: the same Arrow functions DuckDB calls.

Each SQL function is a *batch function* here, ``(keys, *arrays) -> array``,
that finds the key and calls the transform in ``cape_udfs.transforms``
unchanged; ``make_udf`` wraps it for Spark, as an Arrow UDF (PySpark 4.1+,
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
import pyarrow.compute as pc

from cape_udfs import keys as _keys
from cape_udfs.duckdb_functions import column_step_request, plan_request
from cape_udfs.errors import CapeError
from cape_udfs.transforms.format_preserving import fpe_decrypt, fpe_encrypt
from cape_udfs.transforms.keyed_noise import keyed_uniforms
from cape_udfs.transforms.reversible_tokenizer import siv_tokens
from cape_udfs.transforms.secure_noise import secure_standard, secure_uniforms
from cape_udfs.transforms.token_reverser import reverse_tokens
from cape_udfs.transforms.tokenizer import tokens


def _constant(values, what: str):
    """The single value of a constant argument column (a SQL literal)."""
    first = values[0]
    if values.null_count or not (len(values) == 1 or pc.all(pc.equal(values, first)).as_py()):
        raise CapeError(f"{what} must be one non-NULL constant per call")
    return first.as_py()


def _key(keys: dict, key_id: str) -> bytes:
    raw = keys.get(key_id)
    return raw if raw is not None else _keys.KEYRING.get(key_id)


def tokenize_batch(keys, values, key_ids, algorithms):
    if len(values) == 0:
        return pa.array([], pa.string())
    key = _key(keys, _constant(key_ids, "cape_tokenize key id"))
    return tokens(values, key, _constant(algorithms, "cape_tokenize algorithm"))


def reversible_tokenize_batch(keys, values, key_ids):
    if len(values) == 0:
        return pa.array([], pa.string())
    return siv_tokens(values, _key(keys, _constant(key_ids, "cape_reversible_tokenize key id")))


def token_reverse_batch(keys, values, key_ids, columns):
    if len(values) == 0:
        return pa.array([], pa.string())
    key = _key(keys, _constant(key_ids, "cape_token_reverse key id"))
    return reverse_tokens(values, key, _constant(columns, "cape_token_reverse column"))


def keyed_uniform_batch(keys, entities, key_ids, salts, streams):
    if len(entities) == 0:
        return pa.array([], pa.float64())
    key = _key(keys, _constant(key_ids, "cape_keyed_uniform key id"))
    return keyed_uniforms(entities, key, _constant(salts, "cape_keyed_uniform salt"),
                          _constant(streams, "cape_keyed_uniform stream"))


def secure_uniform_batch(keys, sizes):
    # Fresh CSPRNG uniforms; the argument only gives the batch's length (no key).
    return secure_uniforms(len(sizes))


def secure_gaussian_batch(keys, sizes):
    return secure_standard(len(sizes), "gaussian")


def secure_laplace_batch(keys, sizes):
    return secure_standard(len(sizes), "laplace")


def _fpe_batch(crypt, what, keys, values, key_ids, alphabets, tweaks, on_shorts, columns):
    if len(values) == 0:
        return pa.array([], pa.string())
    key = _key(keys, _constant(key_ids, f"{what} key id"))
    return crypt(values, key, _constant(alphabets, f"{what} alphabet"), _constant(tweaks, f"{what} tweak"),
                 _constant(on_shorts, f"{what} on_short"), _constant(columns, f"{what} column"))


def fpe_encrypt_batch(keys, *columns):
    return _fpe_batch(fpe_encrypt, "cape_fpe_encrypt", keys, *columns)


def fpe_decrypt_batch(keys, *columns):
    return _fpe_batch(fpe_decrypt, "cape_fpe_decrypt", keys, *columns)


def plan_on_worker(request: str) -> str:
    """cape_plan as a plain Python UDF, for a query the driver does not answer."""
    return plan_request(request)


def column_step_on_worker(request: str) -> str:
    return column_step_request(request)


# (SQL name, batch function, number of arguments, Spark return type)
VECTORIZED = [
    ("cape_tokenize", tokenize_batch, 3, "string"),
    ("cape_reversible_tokenize", reversible_tokenize_batch, 2, "string"),
    ("cape_token_reverse", token_reverse_batch, 3, "string"),
    ("cape_keyed_uniform", keyed_uniform_batch, 4, "double"),
    ("cape_secure_uniform", secure_uniform_batch, 1, "double"),
    ("cape_secure_gaussian", secure_gaussian_batch, 1, "double"),
    ("cape_secure_laplace", secure_laplace_batch, 1, "double"),
    ("cape_fpe_encrypt", fpe_encrypt_batch, 6, "string"),
    ("cape_fpe_decrypt", fpe_decrypt_batch, 6, "string"),
]


# Different at every call: registered nondeterministic, so Spark never
# merges two calls or re-evaluates one and gets another value.
NONDETERMINISTIC = frozenset({"cape_secure_uniform", "cape_secure_gaussian", "cape_secure_laplace"})


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


def _arrow_function(batch, keys, arity):
    def udf(*columns):
        return batch(keys, *columns)
    return _typed(udf, arity, pa.Array)


def _pandas_function(batch, keys, arity):
    import pandas as pd

    def udf(*columns):
        return batch(keys, *(pa.Array.from_pandas(c) for c in columns)).to_pandas()
    return _typed(udf, arity, pd.Series)


def make_udf(batch, arity: int, return_type: str, keys: dict, kind: str, deterministic: bool = True):
    """A Spark UDF of ``kind`` ('arrow' or 'pandas') that calls ``batch`` with
    a private copy of ``keys``."""
    from pyspark.sql.types import DoubleType, StringType

    keys = dict(keys)
    return_type = {"string": StringType(), "double": DoubleType()}[return_type]
    if kind == "arrow":
        from pyspark.sql.functions import arrow_udf
        udf = arrow_udf(_arrow_function(batch, keys, arity), return_type)
    elif kind == "pandas":
        from pyspark.sql.functions import pandas_udf
        udf = pandas_udf(_pandas_function(batch, keys, arity), return_type)
    else:
        raise ValueError("UDF kind must be 'arrow' or 'pandas'")
    return udf if deterministic else udf.asNondeterministic()
