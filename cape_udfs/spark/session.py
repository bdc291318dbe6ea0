"""Create or join a SparkSession and register cape's functions on it.

``register(spark)`` makes the SQL functions the dbt macros call:

* ``cape_tokenize``, ``cape_reversible_tokenize``, ``cape_token_reverse``,
  ``cape_keyed_uniform``, ``cape_secure_uniform`` (``_gaussian``, ``_laplace``),
  ``cape_fpe_encrypt``, ``cape_fpe_decrypt``:
  vectorized UDFs over the transforms DuckDB uses (see functions.py), whose
  closures carry the keys the driver has resolved;
* ``cape_plan`` and ``cape_column_step``: the plan bridge, JSON in and out, as
  plain Python UDFs, so ``run_query("select cape_plan('...')")`` works as on
  DuckDB.

Plans are answered on the driver: ``register`` wraps this session's ``sql``
method so that a query that is exactly ``select cape_plan('<json>')`` (or
``cape_column_step``), the shape the macros send, is answered in this process
(no Python worker runs). Policy files and keys are then read where dbt runs (an
executor on a cluster has neither), the keys a plan names are resolved here
and the vectorized UDFs are registered again with them, before the SQL that
uses them reaches Spark. Any other query, including other calls of the two
functions, goes to Spark unchanged.
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading

from cape_udfs.keyring import KEYRING, Keyring
from cape_udfs.plan_bridge import column_step_request, plan_request
from cape_udfs.spark.functions import arrow_udfs_available, column_step_on_worker, make_udf, plan_on_worker, vectorized

DEFAULT_MASTER = "local[*]"
# The exact text of _policy_plan's and _column_transform's run_query: the
# function and one string literal quoted as cape._sql_string quotes it, with
# dbt's query comment before or after it.
_COMMENTS = r"(?:\s*(?:/\*.*?\*/|--[^\n]*\n))*\s*"
_REQUEST = re.compile(r"\A" + _COMMENTS + r"select\s+(cape_plan|cape_column_step)\(\s*'((?:[^']|'')*)'\s*\)"
                      + _COMMENTS + r";?\s*\Z", re.IGNORECASE | re.DOTALL)


def under_spark_submit() -> bool:
    """True when spark-submit started this Python process (its gateway is waiting)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def spark_session(master: str | None = None, conf: dict | None = None, app_name: str = "cape-dbt"):
    """The active SparkSession, or a new one.

    Under spark-submit the cluster's master and settings apply (``master``
    overrides them); otherwise the default master is local[*]. For a local
    master, Python workers use this interpreter unless PYSPARK_PYTHON says
    otherwise, so they import the same cape_udfs. Hive support is enabled, as
    dbt-spark's session method asks for it (tables outlive the process).
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if master is None and not under_spark_submit():
        master = DEFAULT_MASTER
    if master is not None and master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    conf = dict(conf or {})
    if "spark.sql.catalogImplementation" not in conf:
        builder = builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _step_key_ids(response: dict) -> set[str]:
    ids = set()
    if not response.get("ok"):
        return ids
    steps = [response["step"]] if "step" in response else [
        s for c in response["plan"]["columns"] for s in c["steps"]]
    for step in steps:
        if step.get("key_id"):
            ids.add(step["key_id"])
    return ids


class SparkFunctions:
    """cape's functions on one SparkSession, with the keys its plans named."""

    def __init__(self, spark, keyring: Keyring = KEYRING, kind: str | None = None):
        self.spark = spark
        self.keyring = keyring
        self.kind = kind or ("arrow" if arrow_udfs_available() else "pandas")
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SparkFunctions(kind={self.kind!r}, key_ids={sorted(self._keys)!r})"

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def register(self, plan_on_driver: bool = True) -> "SparkFunctions":
        self._register_vectorized()
        # On a worker these use that process's keyring (functions.py explains).
        self.spark.udf.register("cape_plan", plan_on_worker, "string")
        self.spark.udf.register("cape_column_step", column_step_on_worker, "string")
        if plan_on_driver:
            self._answer_plans_on_driver()
        return self

    def _register_vectorized(self) -> None:
        for name, arity, returns, deterministic in vectorized():
            self.spark.udf.register(name, make_udf(name, arity, returns, self._keys, self.kind,
                                                   deterministic=deterministic))

    def use_kind(self, kind: str) -> None:
        """Register the vectorized UDFs again as ``kind`` ('arrow' or 'pandas')."""
        with self._lock:
            self.kind = kind
            self._register_vectorized()

    def learn_keys(self, key_ids) -> None:
        """Resolve ``key_ids`` on the driver; re-register the vectorized UDFs
        when one is new, so the closures Spark ships carry its bytes."""
        with self._lock:
            new = {k: self.keyring.get(k) for k in key_ids if k not in self._keys}
            if new:
                self._keys.update(new)
                self._register_vectorized()

    def answer(self, function: str, request_json: str) -> str:
        """``cape_plan`` or ``cape_column_step`` on the driver."""
        handler = plan_request if function == "cape_plan" else column_step_request
        answer = handler(request_json, self.keyring)
        self.learn_keys(_step_key_ids(json.loads(answer)))
        return answer

    def _answer_plans_on_driver(self) -> None:
        spark = self.spark
        if getattr(spark.sql, "cape_functions", None) is not None:  # wrapped by an earlier register()
            spark.sql.cape_functions = self
            return
        spark_sql = spark.sql

        def sql(sqlQuery, *args, **kwargs):
            match = _REQUEST.match(sqlQuery) if isinstance(sqlQuery, str) and not args and not kwargs else None
            if match is None:
                return spark_sql(sqlQuery, *args, **kwargs)
            answer = sql.cape_functions.answer(match.group(1).lower(), match.group(2).replace("''", "'"))
            # A bound literal: the result is a local relation, no job and no Python worker.
            return spark_sql("select :answer as result", args={"answer": answer})

        sql.cape_functions = self
        spark.sql = sql


def register(spark, keyring: Keyring = KEYRING, kind: str | None = None,
             plan_on_driver: bool = True) -> SparkFunctions:
    """Register cape's functions on ``spark``; see the module docstring."""
    return SparkFunctions(spark, keyring, kind).register(plan_on_driver)
