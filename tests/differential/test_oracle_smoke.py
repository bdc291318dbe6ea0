"""Smoke tests proving the cape-dataframes differential oracle works.

The oracle module is imported by file location (its folder is put on
sys.path), so this works whether or not tests/ and tests/differential/ are
packages and under any pytest import mode.
"""

import datetime
import hashlib
import math
import re
import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cape_oracle import (  # noqa: E402
    CapeOracleError,
    oracle_python,
    oracle_unavailable_reason,
    run_cape,
    run_cape_batch,
    run_cape_raw,
)

pytestmark = pytest.mark.differential


@pytest.fixture(scope="module", autouse=True)
def _oracle():
    python = oracle_python()
    if python is None:
        pytest.skip(oracle_unavailable_reason())
    return python


def _policy(field, transform_yaml):
    return (
        "label: smoke\n"
        "version: 1\n"
        "rules:\n"
        f"  - match:\n"
        f"      name: {field}\n"
        "    actions:\n"
        "      - transform:\n"
        + "".join(f"          {line}\n" for line in transform_yaml.strip().splitlines())
    )


def test_tokenizer_matches_sha256_of_value_plus_key():
    values = ["alice", "bob", "Zoë"]
    out = run_cape(
        _policy("name", "type: tokenizer\nkey: secret_key"),
        {"name": {"dtype": "string", "values": values}},
    )
    expected = [hashlib.sha256(v.encode() + b"secret_key").hexdigest() for v in values]
    assert out["name"] == expected


def test_tokenizer_max_token_len_truncates():
    out = run_cape(
        _policy("name", "type: tokenizer\nkey: secret_key\nmax_token_len: 10"),
        {"name": {"dtype": "string", "values": ["alice"]}},
    )
    assert out["name"] == [hashlib.sha256(b"alice" + b"secret_key").hexdigest()[:10]]


def test_tokenizer_on_null_raises_in_cape():
    with pytest.raises(CapeOracleError) as info:
        run_cape(
            _policy("name", "type: tokenizer\nkey: k"),
            {"name": {"dtype": "string", "values": ["a", None]}},
        )
    assert info.value.error_type == "AttributeError"


def test_reversible_tokenizer_token_shape():
    key = "0123456789abcdef0123456789abcdef"  # 32 bytes
    values = ["alice", "bob", "Zoë", ""]
    out = run_cape(
        _policy("name", f"type: reversible-tokenizer\nkey: {key}"),
        {"name": {"dtype": "string", "values": values}},
    )
    tokens = out["name"]
    assert len(tokens) == len(values)
    for v, tok in zip(values, tokens):
        assert re.fullmatch(r"[0-9a-f]*", tok)
        # 16-byte SIV tag + ciphertext as long as the UTF-8 plaintext, hex-encoded
        assert len(tok) == 32 + 2 * len(v.encode("utf-8"))
    # deterministic (AES-SIV without nonce): same input, same token
    again = run_cape(
        _policy("name", f"type: reversible-tokenizer\nkey: {key}"),
        {"name": {"dtype": "string", "values": ["alice"]}},
    )
    assert again["name"] == [tokens[0]]


def test_numeric_rounding_double_precision_1():
    raw = run_cape_raw(
        _policy("x", "type: numeric-rounding\ndtype: Double\nprecision: 1"),
        {"x": {"dtype": "float64", "values": [1.25, 2.35, -0.05, None]}},
    )
    assert raw["dtypes"]["x"] == "float64"
    # numpy/pandas round: scale by 10**p, round half to EVEN, unscale (in binary
    # floating point). 1.25 -> 1.2 (12.5 -> 12), 2.35 -> 2.4 (23.5 -> 24),
    # -0.05 -> -0.0 (sign kept), a null in a float64 column is NaN.
    assert raw["columns"]["x"] == [1.2, 2.4, -0.0, "NaN"]
    out = run_cape(
        _policy("x", "type: numeric-rounding\ndtype: Double\nprecision: 1"),
        {"x": {"dtype": "float64", "values": [1.25, 2.35, -0.05, None]}},
    )
    x = out["x"]
    assert x[:3] == [1.2, 2.4, -0.0]
    assert math.copysign(1.0, x[2]) == -1.0
    assert math.isnan(x[3])


def test_date_truncation_year_on_dates():
    raw = run_cape_raw(
        _policy("d", "type: date-truncation\nfrequency: year"),
        {"d": {"dtype": "date", "values": ["2020-05-17", "1999-12-31", None, "2024-02-29"]}},
    )
    assert raw["dtypes"]["d"] == "date"
    assert raw["columns"]["d"] == ["2020-01-01", "1999-01-01", None, "2024-01-01"]
    out = run_cape(
        _policy("d", "type: date-truncation\nfrequency: year"),
        {"d": {"dtype": "date", "values": [datetime.date(2020, 5, 17), None]}},
    )
    assert out["d"] == [datetime.date(2020, 1, 1), None]


def test_date_truncation_month_on_timestamps():
    out = run_cape(
        _policy("t", "type: date-truncation\nfrequency: month"),
        {"t": {"dtype": "timestamp",
               "values": ["2020-05-17T10:11:12.123456", None, "1999-12-31T23:59:59"]}},
    )
    assert out["t"] == [datetime.datetime(2020, 5, 1), None, datetime.datetime(1999, 12, 1)]


def test_batch_mode_mixes_results_and_errors():
    results = run_cape_batch([
        (_policy("s", "type: tokenizer\nkey: k"), {"s": {"dtype": "string", "values": ["a"]}}),
        (_policy("s", "type: tokenizer\nkey: k"), {"s": {"dtype": "string", "values": [None]}}),
    ])
    assert results[0] == {"s": [hashlib.sha256(b"ak").hexdigest()]}
    assert isinstance(results[1], CapeOracleError)
    assert results[1].error_type == "AttributeError"
