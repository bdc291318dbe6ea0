"""Differential-test oracle: run one policy through the real cape-dataframes.

This file runs INSIDE the throwaway oracle venv (see ``cape_oracle.py``), never
in the project's own environment, and depends only on what that venv holds
(cape-dataframes 0.3.1, pandas, numpy, PyYAML).

Protocol (one request per process):

stdin::

    {"policy": "<yaml text>",
     "columns": {"<name>": {"dtype": "string|int64|int32|float64|date|timestamp",
                            "values": [...]}}}

    Encodings: dates 'YYYY-MM-DD'; timestamps 'YYYY-MM-DDTHH:MM:SS[.ffffff]';
    SQL NULL as null; in float64 columns the strings "NaN", "Infinity" and
    "-Infinity" stand for the IEEE values.  int64/int32 columns that contain a
    null become pandas' nullable Int64/Int32 (numpy ints cannot hold a null).

stdout on success (exit 0)::

    {"columns": {"<name>": [...]},        # same encodings as the input
     "dtypes":  {"<name>": "<kind>"},     # string|int64|int32|...|float64|date|timestamp|bool|object
     "pandas_dtypes": {"<name>": "<str(series.dtype)>"},
     "log": ["<WARNING ...>", ...]}       # cape's logging (e.g. 'Unable to transform column')

    None / NaT / pd.NA come back as null, float NaN as the string "NaN".

stdout on failure (exit 1)::

    {"error": "<message>", "error_type": "<ExceptionClass>", "traceback": "..."}

Batch mode (one interpreter start, ~0.6 s, amortised over many requests)::

    stdin:  {"batch": [<request>, ...]}
    stdout: {"results": [<response or error object>, ...]}   (exit 0)
"""

import datetime
import importlib.util
import io
import json
import logging
import math
import sys
import traceback
import types

SUPPORTED_DTYPES = ("string", "int64", "int32", "float64", "date", "timestamp")


# --------------------------------------------------------------------------- #
# Importing cape_dataframes without pyspark
# --------------------------------------------------------------------------- #
def _import_cape():
    """Import cape_dataframes with pyspark absent.

    cape_dataframes.policy.policy does a top-level ``import pyspark`` and, in
    ``_do_transformations``, evaluates ``pyspark.sql.utils.AnalysisException``
    inside an ``except`` clause (only when a transformation raises).  Meanwhile
    cape_dataframes.spark decides whether Spark is available with
    ``importlib.util.find_spec("pyspark")``.  So: register a minimal stub
    package in sys.modules (enough for both uses in policy.py) and hide it from
    find_spec while cape is imported, so cape takes its "Spark unavailable"
    branch and never touches the spark sub-package.
    """
    real_find_spec = importlib.util.find_spec
    if "pyspark" not in sys.modules and real_find_spec("pyspark") is None:
        pyspark = types.ModuleType("pyspark")
        sql = types.ModuleType("pyspark.sql")
        utils = types.ModuleType("pyspark.sql.utils")

        class AnalysisException(Exception):
            """Stand-in; never raised on the pandas path."""

        utils.AnalysisException = AnalysisException
        sql.utils = utils
        pyspark.sql = sql
        pyspark.__cape_oracle_stub__ = True
        sys.modules["pyspark"] = pyspark
        sys.modules["pyspark.sql"] = sql
        sys.modules["pyspark.sql.utils"] = utils

        def find_spec(name, package=None):
            if name == "pyspark" or name.startswith("pyspark."):
                return None
            return real_find_spec(name, package)

        importlib.util.find_spec = find_spec
        try:
            import cape_dataframes
        finally:
            importlib.util.find_spec = real_find_spec
    else:  # a real pyspark is installed: nothing to fake
        import cape_dataframes

    return cape_dataframes


# --------------------------------------------------------------------------- #
# Request decoding
# --------------------------------------------------------------------------- #
_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _parse_float(v):
    if v is None:
        return math.nan  # a float64 column cannot keep None apart from NaN
    if isinstance(v, str):
        if v in _FLOAT_WORDS:
            return _FLOAT_WORDS[v]
        raise ValueError(f"bad float value {v!r}")
    if isinstance(v, bool):
        raise ValueError(f"bad float value {v!r}")
    return float(v)


def _parse_date(v):
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"date values must be 'YYYY-MM-DD' strings, got {v!r}")
    return datetime.date.fromisoformat(v)


def _parse_timestamp(v):
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"timestamp values must be ISO strings, got {v!r}")
    return datetime.datetime.fromisoformat(v)


def _build_series(name, spec, pd, np):
    if not isinstance(spec, dict) or "dtype" not in spec or "values" not in spec:
        raise ValueError(f"column {name!r}: expected {{'dtype': ..., 'values': [...]}}")
    dtype, values = spec["dtype"], spec["values"]
    if not isinstance(values, list):
        raise ValueError(f"column {name!r}: values must be a list")

    if dtype == "string":
        for v in values:
            if v is not None and not isinstance(v, str):
                raise ValueError(f"column {name!r}: non-string value {v!r}")
        return pd.Series(values, dtype=object, name=name)
    if dtype in ("int64", "int32"):
        for v in values:
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise ValueError(f"column {name!r}: non-integer value {v!r}")
        if any(v is None for v in values):
            nullable = "Int64" if dtype == "int64" else "Int32"
            return pd.Series(values, dtype=nullable, name=name)
        return pd.Series(np.array(values, dtype=dtype), name=name)
    if dtype == "float64":
        return pd.Series(
            np.array([_parse_float(v) for v in values], dtype="float64"), name=name
        )
    if dtype == "date":
        # object column of datetime.date: cape tests type(x.iloc[0]) == datetime.date
        return pd.Series([_parse_date(v) for v in values], dtype=object, name=name)
    if dtype == "timestamp":
        parsed = [_parse_timestamp(v) for v in values]
        return pd.Series(
            pd.to_datetime(pd.Series(parsed, dtype=object)).astype("datetime64[ns]"),
            name=name,
        )
    raise ValueError(
        f"column {name!r}: unsupported dtype {dtype!r} (expected one of {SUPPORTED_DTYPES})"
    )


# --------------------------------------------------------------------------- #
# Response encoding
# --------------------------------------------------------------------------- #
def _encode_value(v, pd, np):
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if isinstance(v, str):
        return v
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return None
        v = pd.Timestamp(v)
    if isinstance(v, datetime.datetime):  # includes pd.Timestamp; test before date
        if v is pd.NaT:
            return None
        return v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return {"bytes_hex": bytes(v).hex()}
    return {"repr": repr(v)}


def _kind(series, pd, np):
    dt = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dt):
        return "timestamp"
    if pd.api.types.is_bool_dtype(dt):
        return "bool"
    if pd.api.types.is_float_dtype(dt):
        return str(np.dtype(dt.numpy_dtype if hasattr(dt, "numpy_dtype") else dt))
    if pd.api.types.is_integer_dtype(dt):
        return str(np.dtype(dt.numpy_dtype if hasattr(dt, "numpy_dtype") else dt))
    non_null = [v for v in series.tolist() if not (v is None or v is pd.NaT or v is pd.NA)]
    non_null = [v for v in non_null if not (isinstance(v, float) and math.isnan(v))]
    if not non_null:
        return "object"
    if all(isinstance(v, str) for v in non_null):
        return "string"
    if all(isinstance(v, datetime.datetime) for v in non_null):
        return "timestamp"
    if all(type(v) is datetime.date for v in non_null):
        return "date"
    return "object"


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.levelname} {record.getMessage()}")


def _apply(request, cape, pd, np, yaml, handler):
    if not isinstance(request, dict) or "policy" not in request:
        raise ValueError("request must be an object with 'policy' and 'columns'")
    handler.records = []

    policy_src = request["policy"]
    if isinstance(policy_src, str):
        # Same loader cape's parse_policy uses for files/URLs.
        policy_dict = yaml.load(policy_src, Loader=yaml.FullLoader)
    else:
        policy_dict = policy_src
    if not isinstance(policy_dict, dict):
        raise ValueError("policy must be a YAML mapping")

    columns = request.get("columns") or {}
    data = {name: _build_series(name, spec, pd, np) for name, spec in columns.items()}
    lengths = {len(s) for s in data.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns have different lengths: {sorted(lengths)}")
    df = pd.DataFrame(data)

    policy = cape.parse_policy(policy_dict)
    result = cape.apply_policy(policy, df)

    out_columns, kinds, pd_dtypes = {}, {}, {}
    for name in result.columns:
        s = result[name]
        out_columns[str(name)] = [_encode_value(v, pd, np) for v in s.tolist()]
        kinds[str(name)] = _kind(s, pd, np)
        pd_dtypes[str(name)] = str(s.dtype)
    return {
        "columns": out_columns,
        "dtypes": kinds,
        "pandas_dtypes": pd_dtypes,
        "log": [r for r in handler.records if not r.startswith("INFO apply-policy")],
    }


def _error(exc):
    return {
        "error": f"{type(exc).__name__}: {exc}",
        "error_type": type(exc).__name__,
        "traceback": traceback.format_exc(),
    }


def main():
    """One request -> one response; or {"batch": [req, ...]} -> {"results": [...]}.

    In batch mode each result is a response or an error object, and the exit
    status is 0 unless the batch itself could not be processed.
    """
    real_stdout = sys.stdout
    # Anything cape/pandas/numpy might print goes to stderr: stdout is the channel.
    sys.stdout = sys.stderr
    try:
        request = json.loads(sys.stdin.read())

        import numpy as np
        import pandas as pd
        import yaml

        cape = _import_cape()

        handler = _ListHandler()
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)

        if isinstance(request, dict) and "batch" in request:
            results = []
            for item in request["batch"]:
                try:
                    results.append(_apply(item, cape, pd, np, yaml, handler))
                except Exception as exc:
                    results.append(_error(exc))
            response = {"results": results}
        else:
            response = _apply(request, cape, pd, np, yaml, handler)
        payload = json.dumps(response, ensure_ascii=False, allow_nan=False)
    except BaseException as exc:
        real_stdout.write(json.dumps(_error(exc), ensure_ascii=False))
        real_stdout.write("\n")
        real_stdout.flush()
        return 1
    real_stdout.write(payload)
    real_stdout.write("\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    # Make stdin/stdout UTF-8 regardless of the caller's locale.
    sys.stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    sys.exit(main())
