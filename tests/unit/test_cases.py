"""The case tables of tests/cases/ (see tests/case_tables.py) through the Python
reference, where the transform has one, and through the DuckDB renderer: the
macro the planned step names, rendered from every file under macros/ and run in
an in-memory DuckDB with cape's functions registered under the test key.
tests/integration/test_cases_spark.py runs the same rows on Spark."""
from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pytest

from cape_udfs.duckdb_functions import register
from cape_udfs.transforms import REGISTRY
from cape_udfs.transforms.character_mask import mask
from cape_udfs.transforms.format_preserving import fpe_decrypt, fpe_encrypt
from cape_udfs.transforms.numeric_bucketing import bucket_label
from cape_udfs.transforms.reversible_tokenizer import siv_tokens
from cape_udfs.transforms.token_reverser import reverse_tokens
from cape_udfs.transforms.tokenizer import tokens
from tests.case_tables import (
    KEY,
    all_rows,
    case_files,
    keyring,
    load_cases,
    load_macros,
    python_value,
    render,
    row_id,
    step_for,
    value_sql,
    value_text,
)

ROWS = all_rows()
IDS = [row_id(path, i, row) for path, i, row, _ in ROWS]
# What the issue asks a case table for, and how many rows each needs at least.
REQUIRED = {"character-mask", "numeric-rounding", "date-truncation", "truncation", "numeric-bucketing",
            "tokenizer", "reversible-tokenizer", "token-reverser", "format-preserving-encryption",
            "format-preserving-decryption"}
MIN_ROWS = 10


def _one(fn, text, step):
    return fn(pa.array([text], pa.string()), KEY, **step).to_pylist()[0]


def _fpe(fn):
    def reference(value, text, args):
        return _one(fn, text, {k: args[k] for k in ("alphabet", "tweak", "on_short")})
    return reference


# The Python reference of each transform that has one: (row value, its text as
# DuckDB's cast to varchar gives it, planned args) -> the output text.
REFERENCES = {
    "character-mask": lambda value, text, a: mask(text, a["mask_char"], a["keep_first"], a["keep_last"], a["ignore"]),
    "numeric-bucketing": lambda value, text, a: bucket_label(value, a),
    "tokenizer": lambda value, text, a: tokens(pa.array([text], pa.string()), KEY, a["algorithm"])
    .to_pylist()[0][: a["max_token_len"]],
    "reversible-tokenizer": lambda value, text, a: siv_tokens(pa.array([text], pa.string()), KEY).to_pylist()[0],
    "token-reverser": lambda value, text, a: reverse_tokens(pa.array([text], pa.string()), KEY).to_pylist()[0],
    "format-preserving-encryption": _fpe(fpe_encrypt),
    "format-preserving-decryption": _fpe(fpe_decrypt),
}


@pytest.fixture(scope="module")
def cape():
    return load_macros("duckdb")


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    register(connection, keyring())
    yield connection
    connection.close()


def run(con, cape, transform, args, data_type, value, wrap=None):
    """The rendered step over the row's value, cast to text by DuckDB."""
    step = step_for(transform, args, data_type)
    sql = render(cape, step, "v")
    if wrap is not None:
        sql = wrap(sql)
    query = f"select cast(({sql}) as varchar) from (select {value_sql(value, data_type, 'duckdb')} as v)"
    return con.execute(query).fetchall()[0][0]


def test_every_required_transform_has_a_case_table_of_enough_rows():
    counts = {load_cases(p)["transform"]: len(load_cases(p)["rows"]) for p in case_files()}
    assert REQUIRED <= set(counts), sorted(REQUIRED - set(counts))
    assert {t: n for t, n in counts.items() if n < MIN_ROWS} == {}


def test_every_case_transform_has_its_renderer_under_macros(cape):
    # The loader globs macros/; a renderer in any folder is found by its name.
    for path in case_files():
        name = REGISTRY[load_cases(path)["transform"]].renderer
        assert callable(getattr(cape, name, None)), name


def _has_reference(r):
    return r[3]["transform"] in REFERENCES and not r[2].get("error")


# Rows that fail do so in the engine (a cast, a bound); the references of
# the keyed transforms raise too, but that is tests/unit/test_<transform>.py's business.
@pytest.mark.parametrize("path, i, row, data", [r for r in ROWS if _has_reference(r)],
                         ids=[i for i, r in zip(IDS, ROWS) if _has_reference(r)])
def test_python_reference(path, i, row, data):
    step = step_for(data["transform"], row["args"], row["type"])
    value = python_value(row["value"], row["type"])
    text = None if row["value"] is None else value_text(row["value"])
    got = None if value is None else REFERENCES[data["transform"]](value, text, step["args"])
    assert got == row["expected"]


@pytest.mark.parametrize("path, i, row, data", ROWS, ids=IDS)
def test_duckdb_renderer(con, cape, path, i, row, data):
    if row.get("error"):
        with pytest.raises(duckdb.Error) as info:
            run(con, cape, data["transform"], row["args"], row["type"], row["value"])
        assert re.search(row["error"], str(info.value)), str(info.value)
    else:
        assert run(con, cape, data["transform"], row["args"], row["type"], row["value"]) == row["expected"]


ROUND_TRIPS = [r for r in ROWS if r[3].get("inverse") and r[2]["value"] is not None
               and r[2].get("round_trip", True) and not r[2].get("error")]


@pytest.mark.parametrize("path, i, row, data", ROUND_TRIPS,
                         ids=[row_id(p, i, r) for p, i, r, _ in ROUND_TRIPS])
def test_duckdb_round_trip(con, cape, path, i, row, data):
    """The inverse transform's renderer over the forward one's SQL gives the value back."""
    output_type = step_for(data["transform"], row["args"], row["type"])["output_type"]
    inverse = step_for(data["inverse"], row["args"], output_type)

    def wrap(sql):
        return render(cape, inverse, "(" + sql + ")")
    assert run(con, cape, data["transform"], row["args"], row["type"], row["value"], wrap) == value_text(row["value"])
