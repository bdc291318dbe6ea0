"""The same dbt project and policies on Spark (dbt-spark, method: session, local[2])
and on DuckDB: identical tokens and deterministic values, random ones within
their bounds, the same rows removed and the same columns dropped, and no key
in the Spark event log, dbt's logs or the compiled SQL.

Spark runs through the documented command, ``cape-udfs dbt-spark``, in a
subprocess; its tables are read back from the Parquet files in the warehouse.
The raw table is a VALUES model, not a seed, so both engines cast the same
literals (no adapter's seed loader in between). The last tests use a
SparkSession in this process: both UDF kinds against the Arrow functions, the
key bytes in the pickled closures, and plans answered on the driver.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install -e '.[spark]')")
pytest.importorskip("dbt.adapters.spark", reason="dbt-spark is not installed (pip install -e '.[spark]')")

import pyarrow.parquet as pq

from cape_udfs.keys import decode_base64url, encode_base64url
from cape_udfs.transforms import REGISTRY
from tests.integration.conftest import DEFAULT_KEY_B64
from tests.integration.dbt_project_harness import REPO, DbtProject

pytestmark = pytest.mark.integration

CAPE = str(Path(sys.executable).with_name("cape-udfs"))
SUPPORT_KEY = bytes(range(40, 72))  # 32 bytes: AES-SIV for the reversible tokens
LEGACY_KEY = "legacy secret for spark"  # an inline plain-string key (cape-legacy)
KEYED_NOISE = "consistent_by" in {p.name for p in REGISTRY["numeric-perturbation"].params}

# Every column comes in as text and is cast alike on both engines.
ROWS = [
    # id, name, email, city, ref_no, age, income, score, balance, amount, born, joined, seen_at, visited_at,
    # ssn, notes, card, tiny
    ("1", "Alice", "alice@example.com", "Oslo", "7", "34", "52000.5", "1250", "10.25", "10.25",
     "1990-03-04", "2019-07-01", "2021-05-06 07:08:09", "2021-05-06 07:38:09", "900-00-0001", "a",
     "4111-1111-1111-1111", "0"),
    ("2", "Zoë", "zoe@example.com", "Köln", "14", "71", "99000.25", "-1250", "-3.50", "-3.55",
     "1953-12-01", "2001-01-31", "2022-01-02 03:04:05.5", "2022-01-02 03:04:05.5", "900-00-0002", "b",
     "5500 0000 0000 0004", "0.0000000001"),
    ("3", "Bob", None, None, None, None, None, None, None, None,
     None, None, None, None, None, None, None, None),
    ("4", "山田 太郎", "yamada@example.jp", "東京", "28", "45", "1500.5", "2.5", "0.00", "0.05",
     "1980-02-29", "2020-02-29", "2020-02-29 23:59:59.123456", "2020-02-29 23:59:59.123456", "900-00-0004", "c",
     "3400-000000-00009", "-0.0000001"),
    ("5", "O''Brien", "o.brien+x@example.com", "Dún Laoghaire", "35", "0", "-0.04", "-0.5", "-0.05", "-0.15",
     "2000-12-31", "1999-12-31", "1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999", "900-00-0005", "d",
     "6011000990139424", "1234567890.0123456789"),
    ("6", "", "", "", "-42", "-5", "2.5", "150", "1234567.89", "99999.95",
     "1970-01-01", "1970-01-01", "1970-01-01 00:00:00", "1970-01-01 00:30:00", "", "",
     "000000", "-1"),
    ("7", "Ünïcödé 🙂", "emoji@example.com", "São Paulo", "49", "120", "123456789.125", "0.05", "-0.01", "1.25",
     "2024-02-29", "2024-02-29", "2024-02-29 12:00:00.000001", "2024-02-29 12:59:59", "900-00-0007", "e",
     "4000 0566 5566 5556", "0.5"),
]
TYPES = {
    "id": "int", "name": "string", "email": "string", "city": "string", "ref_no": "int", "age": "int",
    "income": "double", "score": "double", "balance": "decimal(12,2)", "amount": "decimal(12,2)",
    "born": "date", "joined": "date", "seen_at": "timestamp", "visited_at": "timestamp",
    "ssn": "string", "notes": "string", "card": "string", "tiny": "decimal(20,10)",
}


def raw_model() -> str:
    names = list(TYPES)
    rows = ",\n  ".join(
        "(" + ", ".join("null" if v is None else f"'{v}'" for v in row) + ")" for row in ROWS)
    select = ",\n  ".join(f"cast({n} as {ty}) as {n}" for n, ty in TYPES.items())
    return f"select\n  {select}\nfrom (values\n  {rows}\n) as t({', '.join(names)})\n"


KEYED = """
  # consistent_by: keyed noise from the same Arrow function, so the same on both engines.
  - match: {name: score}
    actions:
      - transform: {type: numeric-perturbation, min: -5, max: 5, consistent_by: [id, born]}
""" if KEYED_NOISE else ""

DETERMINISTIC = f"""
label: spark-deterministic
version: 1
transformations:
  - name: legacy
    type: tokenizer
    algorithm: cape-legacy
    key: "{LEGACY_KEY}"
rules:
  - match: {{name: email}}
    actions:
      - transform: {{type: tokenizer, max_token_len: 16}}
  - match: {{name: name}}
    actions:
      - transform: {{type: reversible-tokenizer, key: {{type: named, name: support}}}}
  - match: {{name: city}}
    actions:
      - transform: {{name: legacy}}
  - match: {{name: ref_no}}
    actions:
      - transform: {{type: tokenizer, max_token_len: 12}}
  - match: {{name: balance}}
    actions:
      - transform: {{type: tokenizer}}
  - match: {{name: joined}}
    actions:
      - transform: {{type: tokenizer, algorithm: cape-legacy, key: "{LEGACY_KEY}"}}
  - match: {{name: seen_at}}
    actions:
      - transform: {{type: tokenizer}}
  # Spark writes small decimals of scale > 6 in E notation; tokens use DuckDB's text.
  - match: {{name: tiny}}
    actions:
      - transform: {{type: tokenizer}}
  - match: {{name: income}}
    actions:
      - transform: {{type: numeric-rounding, dtype: Double, precision: 1}}
  - match: {{name: amount}}
    actions:
      - transform: {{type: numeric-rounding, precision: 1}}
  - match: {{name: age}}
    actions:
      - transform: {{type: numeric-rounding, precision: -1}}
      - transform: {{type: row-redact, condition: "age > 70"}}
  - match: {{name: born}}
    actions:
      - transform: {{type: date-truncation, frequency: YEAR}}
  - match: {{name: visited_at}}
    actions:
      - transform: {{type: date-truncation, frequency: hour}}
  - match: {{name: ssn}}
    actions: [drop]
  - match: {{name: notes}}
    actions:
      - transform: {{type: column-redact, columns: [notes]}}
{KEYED}"""

# The transforms added after the first ones, where this checkout has them.
NEWER_RULES = {
    "format-preserving-encryption": """
  - match: {name: card}
    actions:
      - transform: {type: format-preserving-encryption, tweak: "spark's"}
""",
    "character-mask": """
  - match: {name: ssn}
    actions:
      - transform: {type: character-mask, keep_last: 4, ignore: "-"}
  - match: {name: name}
    actions:
      - transform: {type: character-mask, mask_char: "$", keep_first: 1, ignore: " \\\\"}
  - match: {name: email}
    actions:
      - transform: {type: character-mask, keep_first: 2, keep_last: 4}
""",
    "numeric-bucketing": """
  - match: {name: score}
    actions:
      - transform: {type: numeric-bucketing, size: 100, lower: -1000, upper: 1000}
  - match: {name: age}
    actions:
      - transform: {type: numeric-bucketing, boundaries: [18, 40, 65]}
  - match: {name: amount}
    actions:
      - transform: {type: numeric-bucketing, size: 0.25}
""",
    "truncation": """
  - match: {name: income}
    actions:
      - transform: {type: truncation, precision: 1}
  - match: {name: ref_no}
    actions:
      - transform: {type: truncation, precision: -1}
  - match: {name: balance}
    actions:
      - transform: {type: truncation, precision: 1}
  - match: {name: city}
    actions:
      - transform: {type: truncation, length: 3}
  - match: {name: seen_at}
    actions:
      - transform: {type: truncation, frequency: minute}
  - match: {name: tiny}
    actions:
      - transform: {type: truncation, precision: 7}
""",
}
NEWER = "label: spark-newer\nversion: 1\nrules:\n" + "".join(
    rules for name, rules in NEWER_RULES.items() if name in REGISTRY)
REVEAL_CARDS = """
label: spark-reveal-cards
version: 1
rules:
  - match: {name: card}
    actions:
      - transform: {type: format-preserving-decryption, tweak: "spark's"}
"""

# Applied to the tokenized table: names come back with the support key.
REVEAL = """
label: spark-reveal
version: 1
rules:
  - match: {name: name}
    actions:
      - transform: {type: token-reverser, key: {type: named, name: support}}
"""

RANDOM = """
label: spark-random
version: 1
rules:
  - match: {name: age}
    actions:
      - transform: {type: numeric-perturbation, dtype: Integer, min: -2, max: 3, seed: 5}
  - match: {name: income}
    actions:
      - transform: {type: numeric-perturbation, min: -100, max: 100}
  - match: {name: balance}
    actions:
      - transform: {type: numeric-perturbation, min: -1, max: 1, seed: 9}
  - match: {name: born}
    actions:
      - transform: {type: date-perturbation, frequency: [YEAR, DAY], min: [0, -3], max: [2, 4], seed: 4984}
  - match: {name: seen_at}
    actions:
      - transform: {type: date-perturbation, frequency: [DAY, minutes], min: [-2, -30], max: [3, 30]}
  - match: {name: ssn}
    actions: [drop]
"""

# (column, low, high): out - raw lies in [low, high], in seconds for dates
# (a decimal result is rounded to the column's scale, so high itself can occur).
RANDOM_BOUNDS = [
    ("age", -2, 2), ("income", -100, 100), ("balance", -1, 1),
    ("born", -3 * 86400, (365 + 3) * 86400), ("seen_at", -2 * 86400 - 30 * 60, 2 * 86400 + 29 * 60),
]

# Column-level macros go through cape_column_step; the composable macros too.
COLUMNS_MODEL = """
select
  id,
  {{ cape.tokenize('email', max_token_len=20) }} as email_token,
  {{ cape.tokenize('city', algorithm='cape-legacy') }} as city_token,
  {{ cape.round_number('score', -2, data_type='double') }} as score_rounded,
  {{ cape.truncate_date('born', 'month', data_type='date') }} as born_month
from {{ ref('raw_people') }}
"""

SELECT_LIST_MODEL = """
select {{ cape.sanitized_columns(ref('raw_people'), 'policies/deterministic.yml', alias='p') }}
from {{ ref('raw_people') }} p
where {{ cape.redaction_filter(ref('raw_people'), 'policies/deterministic.yml', alias='p') }}
"""

MODELS = {
    "raw_people": None,  # raw_model()
    "people_det": "{{ cape.apply_policy(ref('raw_people'), 'policies/deterministic.yml') }}",
    "people_revealed": "{{ cape.apply_policy(ref('people_det'), 'policies/reveal.yml') }}",
    "people_random": "{{ cape.apply_policy(ref('raw_people'), 'policies/random.yml') }}",
    "people_columns": COLUMNS_MODEL,
    "people_select_list": SELECT_LIST_MODEL,
}
DETERMINISTIC_MODELS = ["people_det", "people_revealed", "people_columns", "people_select_list"]
if any(name in REGISTRY for name in NEWER_RULES):
    MODELS["people_newer"] = "{{ cape.apply_policy(ref('raw_people'), 'policies/newer.yml') }}"
    DETERMINISTIC_MODELS.append("people_newer")
if "format-preserving-decryption" in REGISTRY:
    MODELS["people_cards"] = "{{ cape.apply_policy(ref('people_newer'), 'policies/reveal_cards.yml') }}"
    DETERMINISTIC_MODELS.append("people_cards")


def write_files(write) -> None:
    write("policies/deterministic.yml", DETERMINISTIC)
    write("policies/reveal.yml", REVEAL)
    write("policies/random.yml", RANDOM)
    write("policies/newer.yml", NEWER)
    write("policies/reveal_cards.yml", REVEAL_CARDS)
    for name, sql in MODELS.items():
        write(f"models/{name}.sql", raw_model() if sql is None else sql)


ENV = {"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64, "CAPE_SUPPORT_KEY": encode_base64url(SUPPORT_KEY)}


@pytest.fixture(scope="module")
def duckdb_project(tmp_path_factory):
    proj = DbtProject(tmp_path_factory.mktemp("duck") / "shared", name="shared", env=ENV,
                      plugin_config={"keys": {"support": {"env": "CAPE_SUPPORT_KEY"}}},
                      project_extra={"models": {"shared": {"+materialized": "table"}}})
    write_files(proj.write)
    proj.dbt("run")
    return proj


class SparkProject:
    """The same project on dbt-spark's session method, run by ``cape-udfs dbt-spark``."""

    def __init__(self, root: Path):
        self.root = root
        self.warehouse = root / "warehouse"
        self.event_log = root / "spark-events"
        self.event_log.mkdir(parents=True)
        project = {
            "name": "shared", "version": "1.0.0", "config-version": 2, "profile": "shared",
            "model-paths": ["models"], "macro-paths": ["macros"],
            # Temporary functions cannot be used in Spark views: tables only.
            "models": {"shared": {"+materialized": "table", "+file_format": "parquet"}},
            # The audit hook's table has DuckDB types (reported to the lead).
            "vars": {"cape_audit": False},
        }
        self.write("dbt_project.yml", yaml.safe_dump(project, sort_keys=False))
        self.write("packages.yml", yaml.safe_dump({"packages": [{"local": str(REPO)}]}))
        self.write("profiles.yml", yaml.safe_dump({"shared": {"target": "dev", "outputs": {"dev": {
            "type": "spark", "method": "session", "host": "local", "schema": "analytics", "threads": 2}}}}))
        self.env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1", **ENV}
        self.env.pop("PYSPARK_PYTHON", None)  # cape-udfs must find this interpreter itself

    def write(self, relpath: str, text: str) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def cape_dbt_spark(self, *dbt_args: str) -> subprocess.CompletedProcess:
        conf = {
            "spark.sql.warehouse.dir": str(self.warehouse),
            # One dbt invocation builds everything: the in-memory catalog spares
            # the Hive metastore's start-up (cape-udfs enables Hive by default).
            "spark.sql.catalogImplementation": "in-memory",
            "spark.eventLog.enabled": "true",
            "spark.eventLog.compress": "false",  # the same events, readable by the scan
            "spark.eventLog.dir": self.event_log.as_uri(),
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        }
        cmd = [CAPE, "dbt-spark", "--master", "local[2]", "--key", "support=CAPE_SUPPORT_KEY"]
        for key, value in conf.items():
            cmd += ["--conf", f"{key}={value}"]
        cmd += [*dbt_args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        proc = subprocess.run(cmd, cwd=str(self.root), env=self.env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(dbt_args)} exited {proc.returncode}\n--- stdout ---\n"
                                 f"{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-6000:]}")
        return proc

    def table(self, name: str) -> tuple[list[str], list[tuple]]:
        table = pq.read_table(self.warehouse / "analytics.db" / name)
        rows = sorted(tuple(_value(v) for v in row.values()) for row in table.to_pylist())
        return table.column_names, rows


def _value(v):
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return v


@pytest.fixture(scope="module")
def spark_project(tmp_path_factory):
    proj = SparkProject(tmp_path_factory.mktemp("spark") / "shared")
    write_files(proj.write)
    (proj.root / "dbt_packages").mkdir()
    (proj.root / "dbt_packages" / "cape").symlink_to(REPO)  # what `dbt deps` makes of a local package
    proj.run = proj.cape_dbt_spark("run")
    return proj


def duck_table(proj: DbtProject, name: str) -> tuple[list[str], list[tuple]]:
    cols = [r[0] for r in proj.sql("select column_name from information_schema.columns "
                                   "where table_name = ? order by ordinal_position", [name])]
    return cols, sorted(proj.sql(f"select * from {name}"))


def exact(v):
    """A value with its bytes: -0.0 and 0.0 differ, and so do 1.50 and 1.5."""
    if isinstance(v, float):
        return ("float", struct.pack("<d", v))
    if isinstance(v, decimal.Decimal):
        return ("decimal", str(v))
    return (type(v).__name__, v)


@pytest.mark.parametrize("model", DETERMINISTIC_MODELS)
def test_deterministic_values_are_identical(duckdb_project, spark_project, model):
    duck_cols, duck_rows = duck_table(duckdb_project, model)
    spark_cols, spark_rows = spark_project.table(model)
    assert spark_cols == duck_cols
    assert len(spark_rows) == len(duck_rows)
    for d, s in zip(duck_rows, spark_rows):
        assert [exact(v) for v in s] == [exact(v) for v in d], (model, d[0])


def test_rows_redacted_and_columns_dropped_alike(duckdb_project, spark_project):
    cols, rows = spark_project.table("people_det")
    assert "ssn" not in cols and "notes" not in cols
    assert sorted(r[0] for r in rows) == [1, 3, 4, 5, 6]  # age > 70 removed, NULL age kept
    assert duck_table(duckdb_project, "people_det")[0] == cols


def test_names_come_back_from_reversible_tokens(spark_project):
    cols, rows = spark_project.table("people_revealed")
    names = {r[0]: r[cols.index("name")] for r in rows}
    raw = {int(r[0]): r[1].replace("''", "'") for r in ROWS}
    assert names == {i: raw[i] for i in names}
    tokens = {r[0]: r[cols.index("name")] for r in spark_project.table("people_det")[1]}
    assert all(len(tokens[i]) == 2 * (16 + len(raw[i].encode())) for i in tokens)


@pytest.mark.skipif("format-preserving-decryption" not in REGISTRY, reason="no format-preserving encryption here")
def test_cards_come_back_from_format_preserving_encryption(spark_project):
    cols, rows = spark_project.table("people_cards")
    cards = {r[0]: r[cols.index("card")] for r in rows}
    assert cards == {int(r[0]): r[16] for r in ROWS}
    encrypted = {r[0]: r[cols.index("card")] for r in spark_project.table("people_newer")[1]}
    assert encrypted[1] != cards[1] and len(encrypted[1]) == len(cards[1]) and encrypted[1][4] == "-"


def test_random_values_stay_within_their_bounds(duckdb_project, spark_project):
    raw_cols, raw_rows = spark_project.table("raw_people")
    raw = {r[0]: dict(zip(raw_cols, r)) for r in raw_rows}
    for engine, (cols, rows) in {"duckdb": duck_table(duckdb_project, "people_random"),
                                 "spark": spark_project.table("people_random")}.items():
        assert "ssn" not in cols and len(rows) == len(ROWS), engine
        for row in rows:
            got = dict(zip(cols, row))
            for column, low, high in RANDOM_BOUNDS:
                before, after = raw[got["id"]][column], got[column]
                if before is None:
                    assert after is None, (engine, column)
                    continue
                assert type(after) is type(before), (engine, column)
                delta = after - before
                if isinstance(delta, dt.timedelta):
                    delta = delta.total_seconds()
                slack = 1e-6 if isinstance(delta, float) else 0
                assert low - slack <= delta <= high + slack, (engine, column, got["id"], delta)


def test_seeded_noise_is_keyed_and_repeats_across_runs_fresh_noise_does_not(spark_project, tmp_path):
    compiled = next((spark_project.root / "target").rglob("compiled/**/people_random.sql")).read_text()
    assert "xxhash64" not in compiled and "rand()" not in compiled
    assert "'seed/5/age:0'" in compiled and "cape_secure_uniform(" in compiled
    cols, first = spark_project.table("people_random")
    # Another run: a new Spark application (the catalog lives in memory) on a fresh warehouse.
    again = SparkProject(tmp_path / "shared")
    write_files(again.write)
    (again.root / "dbt_packages").mkdir()
    (again.root / "dbt_packages" / "cape").symlink_to(REPO)
    again.cape_dbt_spark("run", "--select", "raw_people", "people_random")
    _, second = again.table("people_random")
    seeded, fresh = ("age", "balance", "born"), ("income", "seen_at")
    for column in seeded:
        i = cols.index(column)
        assert [r[i] for r in first] == [r[i] for r in second], column
    changed = [sum(a[cols.index(c)] != b[cols.index(c)] for a, b in zip(first, second)) for c in fresh]
    assert all(n >= 3 for n in changed), changed  # 6 non-NULL values each; a repeat is a 1-in-200 or rarer


def test_no_key_in_event_log_logs_or_compiled_sql(spark_project):
    blobs = {"stdout": spark_project.run.stdout.encode(), "stderr": spark_project.run.stderr.encode()}
    event_logs = [p for p in spark_project.event_log.rglob("*") if p.is_file()]
    assert event_logs, "Spark wrote no event log"
    for path in [*event_logs, *(spark_project.root / "target").rglob("*"), *(spark_project.root / "logs").rglob("*")]:
        if path.is_file():
            blobs[str(path.relative_to(spark_project.root))] = path.read_bytes()
    assert any(b"cape_tokenize" in blob for name, blob in blobs.items() if "spark-events" in name)
    keys = {"default": decode_base64url(DEFAULT_KEY_B64, "test key"), "support": SUPPORT_KEY,
            "legacy": LEGACY_KEY.encode()}
    found = [f"{name} key in {where}" for where, blob in blobs.items() for name, raw in keys.items()
             for form in (raw, raw.hex().encode(), base64.b64encode(raw), encode_base64url(raw).encode())
             if form in blob]
    assert found == []


# --- The functions on a SparkSession in this process (no dbt) ---------------

VALUES = ["alice@example.com", None, "", "Zoë", "山田 太郎", "O'Brien", "🙂" * 3, "x" * 300]


def test_udf_closures_carry_the_key_bytes_and_nothing_else():
    from pyspark import cloudpickle

    from cape_udfs.spark.functions import arrow_udfs_available, make_udf, vectorized

    key = bytes(range(200, 232))
    for kind in ("arrow", "pandas") if arrow_udfs_available() else ("pandas",):
        for name, arity, returns, _ in vectorized():
            pickled = cloudpickle.dumps(make_udf(name, arity, returns, {"env:SOME_KEY": key}, kind).func)
            assert key in pickled, (kind, name)
            # Neither the keyring nor the environment travels with it.
            assert DEFAULT_KEY_B64.encode() not in pickled and b"PATH" not in pickled, (kind, name)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    from cape_udfs.spark.session import spark_session

    spark = spark_session("local[1]", {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "1",
                                       "spark.sql.catalogImplementation": "in-memory",
                                       "spark.sql.warehouse.dir": str(tmp_path_factory.mktemp("wh"))})
    yield spark
    spark.stop()


def _literal(v):
    return "null" if v is None else "'" + v.replace("'", "''") + "'"


@pytest.mark.parametrize("kind", ["arrow", "pandas"])
def test_each_udf_kind_gives_what_the_arrow_functions_give(session, kind):
    import pyarrow as pa

    from cape_udfs.kernels.keyed_noise import keyed_uniforms
    from cape_udfs.keyring import Keyring
    from cape_udfs.spark.functions import arrow_udfs_available
    from cape_udfs.spark.session import register
    from cape_udfs.transforms.format_preserving import fpe_encrypt
    from cape_udfs.transforms.reversible_tokenizer import siv_tokens
    from cape_udfs.transforms.tokenizer import tokens

    if kind == "arrow" and not arrow_udfs_available():
        pytest.skip("Arrow UDFs need PySpark 4.1+")
    keyring = Keyring(environ=ENV, named={"support": {"env": "CAPE_SUPPORT_KEY"}})
    functions = register(session, keyring, kind=kind)
    functions.learn_keys(["env:CAPE_DEFAULT_KEY", "named:support"])
    rows = session.sql(
        "select i, cape_tokenize(v, 'env:CAPE_DEFAULT_KEY', 'hmac-sha256'),"
        " cape_tokenize(v, 'env:CAPE_DEFAULT_KEY', 'cape-legacy'),"
        " cape_reversible_tokenize(v, 'named:support'),"
        " cape_token_reverse(cape_reversible_tokenize(v, 'named:support'), 'named:support', 'v'),"
        " cape_keyed_uniform(array(v, cast(i as string)), 'env:CAPE_DEFAULT_KEY', 'salt', 'number'),"
        " cape_fpe_encrypt(concat('4111-1111-', cast(i as string), '111-1111'), 'named:support', '0123456789',"
        "                  't', 'error', 'card')"
        " from values " + ", ".join(f"({i}, {_literal(v)})" for i, v in enumerate(VALUES)) + " as t(i, v)"
    ).collect()
    got = [tuple(r)[1:] for r in sorted(rows)]
    arr = pa.array(VALUES, pa.string())
    default = decode_base64url(DEFAULT_KEY_B64, "test key")
    entities = pa.array([[v, str(i)] for i, v in enumerate(VALUES)], pa.list_(pa.string()))
    cards = pa.array([f"4111-1111-{i}111-1111" for i in range(len(VALUES))], pa.string())
    expected = list(zip(tokens(arr, default).to_pylist(), tokens(arr, default, "cape-legacy").to_pylist(),
                        siv_tokens(arr, SUPPORT_KEY).to_pylist(), VALUES,
                        keyed_uniforms(entities, default, "salt", "number").to_pylist(),
                        fpe_encrypt(cards, SUPPORT_KEY, "0123456789", "t", "error", "card").to_pylist()))
    assert got == expected


def test_plans_are_answered_on_the_driver(session, tmp_path):
    import json

    from cape_udfs.keyring import Keyring
    from cape_udfs.spark.session import register

    (tmp_path / "p.yml").write_text(REVEAL)
    # Only this process's keyring knows the name 'support'; a worker's would not.
    keyring = Keyring(environ=ENV, named={"support": {"env": "CAPE_SUPPORT_KEY"}})
    functions = register(session, keyring)
    request = json.dumps({"policy": "p.yml", "project_dir": str(tmp_path), "columns": [["name", "string"]]})
    sql = "/* {\"app\": \"dbt\"} */\nselect cape_plan('" + request.replace("'", "''") + "')"
    answer = json.loads(session.sql(sql).collect()[0][0])
    assert answer["ok"], answer
    assert answer["plan"]["columns"][0]["steps"][0]["key_id"] == "named:support"
    assert functions.key_ids == ["named:support"]


# --- security: hostile names and conditions on Spark ---------------------------------

SPARK_HOSTILE = "a`, `email"  # unescaped between backticks, this outputs email raw
SPARK_BREAKOUT = "false) is not true union all select email, email from analytics.raw_hostile where (false"


@pytest.mark.parametrize("condition, ok", [
    ("age > 1 and `we``ird` = 2", True),  # backtick-quoted names
    ("email like '%;%' -- a comment", True),
    (SPARK_BREAKOUT, False),
    ("x in (select 1)", False),  # a subquery
    ("exists (select 1)", False),
    ("true as x", False),  # an alias
    ("a, b", False),
])
def test_spark_conditions_are_checked_by_sparks_parser(session, condition, ok):
    from cape_udfs.conditions import checked_condition
    from cape_udfs.errors import PolicyError

    if ok:
        assert checked_condition(condition, "spark") == "(" + condition + "\n)"
    else:
        with pytest.raises(PolicyError, match="condition") as info:
            checked_condition(condition, "spark")
        assert condition not in str(info.value)


def test_spark_hostile_names_are_escaped_and_breakouts_refused(tmp_path):
    proj = SparkProject(tmp_path / "shared")
    (proj.root / "dbt_packages").mkdir()
    (proj.root / "dbt_packages" / "cape").symlink_to(REPO)
    proj.write("models/raw_hostile.sql", "select 1 as `a``, ``email`, 'alice@example.com' as email")
    proj.write("policies/p.yml", "rules:\n  - match: {name: email}\n    actions: [{transform: {type: tokenizer}}]\n")
    proj.write("policies/breakout.yml", f"""
        rules:
          - match: {{name: email}}
            actions:
              - transform: {{type: tokenizer}}
              - transform: {{type: row-redact, condition: "{SPARK_BREAKOUT}"}}
    """)
    proj.write("models/clean.sql", "{{ cape.apply_policy(ref('raw_hostile'), 'policies/p.yml') }}")
    proj.write("models/broken.sql", "{{ cape.apply_policy(ref('raw_hostile'), 'policies/breakout.yml') }}")
    # One invocation (the catalog is in memory): clean builds, broken fails at compile time.
    with pytest.raises(AssertionError) as info:
        proj.cape_dbt_spark("run")
    assert "policies/breakout.yml, rule 1" in str(info.value) and "field 'condition'" in str(info.value)
    columns, rows = proj.table("clean")
    assert columns == [SPARK_HOSTILE, "email"]
    assert "alice@example.com" not in repr(rows) and len(rows[0][1]) == 64
