"""tokenizer: HMAC-SHA256 tokens (RFC 4231 known answers) and cape-legacy tokens."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.tokenizer import (
    CAPE_LEGACY,
    HMAC_SHA256,
    Tokenizer,
    hmac_tokens,
    legacy_tokens,
    tokens,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc4231_hmac_sha256.json").read_text())["vectors"]
KEY = b"k" * 32
HEX64 = re.compile(r"[0-9a-f]{64}")


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _expected(vector) -> str:
    return vector["expected"]


def _truncate(hexdigest: str, vector) -> str:
    bits = vector.get("truncate_bits")
    return hexdigest[: bits // 4] if bits else hexdigest


ARROW_CASES = [v for v in VECTORS if _utf8(bytes.fromhex(v["data"])) is not None]
BYTES_ONLY_CASES = [v for v in VECTORS if _utf8(bytes.fromhex(v["data"])) is None]


def _ids(vectors):
    return [f"rfc4231-case-{v['case']}" for v in vectors]


def test_vector_file_holds_all_seven_rfc4231_cases():
    assert [v["case"] for v in VECTORS] == [1, 2, 3, 4, 5, 6, 7]
    # Only case 5 is truncated, to 128 bits.
    assert {v["case"]: v.get("truncate_bits") for v in VECTORS if v.get("truncate_bits")} == {5: 128}
    # Cases 3 and 4 (data 0xdd.. / 0xcd..) are the ones a string column cannot carry.
    assert [v["case"] for v in BYTES_ONLY_CASES] == [3, 4]


@pytest.mark.parametrize("vector", VECTORS, ids=_ids(VECTORS))
def test_rfc4231_vectors_transcribed_correctly(vector):
    """hmac.new over the raw bytes reproduces each RFC value: proves the JSON file."""
    key, data = bytes.fromhex(vector["key"]), bytes.fromhex(vector["data"])
    assert _truncate(hmac.new(key, data, hashlib.sha256).hexdigest(), vector) == _expected(vector)


@pytest.mark.parametrize("vector", ARROW_CASES, ids=_ids(ARROW_CASES))
def test_hmac_tokens_rfc4231(vector):
    key = bytes.fromhex(vector["key"])
    text = bytes.fromhex(vector["data"]).decode("utf-8")
    out = hmac_tokens(pa.array([text], type=pa.string()), key).to_pylist()
    assert len(out) == 1
    assert _truncate(out[0], vector) == _expected(vector)
    # The full (untruncated) token is always 64 lowercase hex characters.
    assert HEX64.fullmatch(out[0])


@pytest.mark.parametrize("vector", BYTES_ONLY_CASES, ids=_ids(BYTES_ONLY_CASES))
def test_rfc4231_non_utf8_cases_via_hmac_new(vector):
    """Data that is not UTF-8 cannot be an Arrow string; check the primitive instead."""
    data = bytes.fromhex(vector["data"])
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    key = bytes.fromhex(vector["key"])
    assert hmac.new(key, data, hashlib.sha256).hexdigest() == _expected(vector)


@pytest.mark.parametrize("vector", ARROW_CASES, ids=_ids(ARROW_CASES))
def test_hmac_tokens_agrees_with_hmac_new_on_rfc_keys(vector):
    key = bytes.fromhex(vector["key"])
    values = ["", "a", "Zoë", "山田", "Hi There"]
    out = hmac_tokens(pa.array(values), key).to_pylist()
    assert out == [hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in values]


@given(values=st.lists(st.one_of(st.none(), st.text()), max_size=20),
       key=st.binary(min_size=1, max_size=200))
@settings(max_examples=200, deadline=None)
def test_hmac_tokens_matches_hmac_new(values, key):
    out = hmac_tokens(pa.array(values, type=pa.string()), key).to_pylist()
    assert out == [None if v is None else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()
                   for v in values]


@pytest.mark.parametrize("fn", [hmac_tokens, legacy_tokens], ids=["hmac", "legacy"])
@pytest.mark.parametrize(
    "values",
    [
        [None],  # a lone NULL
        [None, None, None],  # all NULL
        ["a", None, "b"],  # NULL between values
        [None, ""],  # NULL next to empty string: different things
    ],
)
def test_null_stays_null(fn, values):
    out = fn(pa.array(values, type=pa.string()), KEY)
    assert out.type == pa.string()
    assert [o is None for o in out.to_pylist()] == [v is None for v in values]
    assert out.null_count == sum(v is None for v in values)


@pytest.mark.parametrize("fn", [hmac_tokens, legacy_tokens], ids=["hmac", "legacy"])
def test_empty_array(fn):
    out = fn(pa.array([], type=pa.string()), KEY)
    assert out.type == pa.string() and len(out) == 0


@pytest.mark.parametrize("fn", [hmac_tokens, legacy_tokens], ids=["hmac", "legacy"])
def test_empty_string_is_tokenized_not_nulled(fn):
    (token,) = fn(pa.array([""]), KEY).to_pylist()
    assert token is not None and HEX64.fullmatch(token)


@pytest.mark.parametrize(
    "value",
    [
        "Zoë",  # Latin-1 range, precomposed
        "Zoe\u0308",  # same text, decomposed (combining diaeresis): not normalized
        "山田",  # CJK, 3 bytes each in UTF-8
        "😀",  # astral plane, 4 bytes in UTF-8
        "\u00a0",  # no-break space
        "a\x00b",  # embedded NUL
        "\u202eevil",  # right-to-left override
    ],
)
def test_unicode_is_hashed_as_utf8(value):
    (token,) = hmac_tokens(pa.array([value]), KEY).to_pylist()
    assert token == hmac.new(KEY, value.encode("utf-8"), hashlib.sha256).hexdigest()
    (legacy,) = legacy_tokens(pa.array([value]), KEY).to_pylist()
    assert legacy == hashlib.sha256(value.encode("utf-8") + KEY).hexdigest()


def test_unicode_forms_are_not_normalized():
    nfc, nfd = "Zo\u00eb", "Zoe\u0308"
    a, b = hmac_tokens(pa.array([nfc, nfd]), KEY).to_pylist()
    assert a != b


@pytest.mark.parametrize(
    "value",
    [
        "",  # empty
        " ",  # whitespace only
        "alice@example.com",  # typical
        "Zoë",  # unicode
        "x" * 10_000,  # long
        "123",  # digits (a cast integer)
        "-1",  # negative number text
    ],
)
def test_cape_legacy_is_sha256_of_value_then_key(value):
    expected = hashlib.sha256(value.encode() + KEY).hexdigest()
    assert legacy_tokens(pa.array([value]), KEY).to_pylist() == [expected]
    assert tokens(pa.array([value]), KEY, CAPE_LEGACY).to_pylist() == [expected]


@given(values=st.lists(st.one_of(st.none(), st.text()), max_size=20), key=st.binary(min_size=1, max_size=64))
@settings(max_examples=100, deadline=None)
def test_cape_legacy_property(values, key):
    out = tokens(pa.array(values, type=pa.string()), key, CAPE_LEGACY).to_pylist()
    assert out == [None if v is None else hashlib.sha256(v.encode() + key).hexdigest() for v in values]


def test_default_algorithm_is_hmac():
    values = pa.array(["a", "b"])
    assert tokens(values, KEY).to_pylist() == hmac_tokens(values, KEY).to_pylist()
    assert tokens(values, KEY, HMAC_SHA256).to_pylist() == hmac_tokens(values, KEY).to_pylist()
    assert tokens(values, KEY).to_pylist() != legacy_tokens(values, KEY).to_pylist()


@given(values=st.lists(st.text(), min_size=1, max_size=10))
@settings(max_examples=100, deadline=None)
def test_output_is_lowercase_hex_64(values):
    for algorithm in (HMAC_SHA256, CAPE_LEGACY):
        for token in tokens(pa.array(values, type=pa.string()), KEY, algorithm).to_pylist():
            assert len(token) == 64
            assert HEX64.fullmatch(token), token


def test_large_string_input():
    values = pa.array(["a", None, "Zoë"], type=pa.large_string())
    assert hmac_tokens(values, KEY).to_pylist() == hmac_tokens(pa.array(["a", None, "Zoë"]), KEY).to_pylist()


def test_tokens_are_deterministic_and_keyed():
    values = pa.array(["alice", "alice", "bob"])
    a = hmac_tokens(values, KEY).to_pylist()
    assert a[0] == a[1] != a[2]  # equal values join
    assert hmac_tokens(values, b"other key").to_pylist()[0] != a[0]  # another key, another token


# --- argument validation -----------------------------------------------------

def test_validate_defaults():
    args = Tokenizer().validate({})
    assert args["max_token_len"] == 64
    # An unset algorithm is resolved when planning (project default, else hmac-sha256;
    # see test_plan.py), so validation may leave it unset.
    assert args["algorithm"] in (None, HMAC_SHA256)


@pytest.mark.parametrize("algorithm", [HMAC_SHA256, CAPE_LEGACY])
def test_validate_keeps_explicit_algorithm(algorithm):
    assert Tokenizer().validate({"algorithm": algorithm})["algorithm"] == algorithm


@pytest.mark.parametrize(
    "args, field, fragment",
    [
        ({"max_token_len": 0}, "max_token_len", "from 1 to 64"),  # below range
        ({"max_token_len": 65}, "max_token_len", "from 1 to 64"),  # above range
        ({"max_token_len": -1}, "max_token_len", "from 1 to 64"),  # negative
        ({"max_token_len": 10 ** 30}, "max_token_len", "from 1 to 64"),  # overflow-sized integer
        ({"max_token_len": True}, "max_token_len", "got a boolean"),  # YAML boolean
        ({"max_token_len": 8.0}, "max_token_len", "got a number"),  # float, even a whole one
        ({"max_token_len": "8"}, "max_token_len", "got a string"),  # quoted number
        ({"algorithm": "sha1"}, "algorithm", "must be one of hmac-sha256, cape-legacy"),  # unknown algorithm
        ({"algorithm": "HMAC-SHA256"}, "algorithm", "must be one of"),  # case matters
        ({"max_len": 8}, "max_len", "unknown argument for tokenizer"),  # misspelled argument
    ],
)
def test_validate_rejects(args, field, fragment):
    with pytest.raises(PolicyError, match=re.escape(fragment)) as info:
        Tokenizer().validate(args)
    assert info.value.field == field


@pytest.mark.parametrize("input_type", ["VARCHAR", "INTEGER", "DECIMAL(10,2)", "DATE", "TIMESTAMP"])
def test_output_type_is_varchar(input_type):
    assert Tokenizer().output_type(input_type, {}) == "VARCHAR"


# --- domain separation: only UTF-8 text is tokenized ------------------------------------
# Keyed-noise messages start with byte 0xFF, which UTF-8 never contains, so refusing
# every input that is not UTF-8 means no token can equal a noise uniform's HMAC.

def _raw_strings(data: bytes, offsets: list[int], valid: list[bool] | None = None) -> pa.Array:
    """A string array holding arbitrary bytes, as an Arrow scan can hand DuckDB (and DuckDB the UDF)."""
    import numpy as np

    validity = None if valid is None else pa.array(valid, pa.bool_()).buffers()[1]
    nulls = 0 if valid is None else valid.count(False)
    return pa.Array.from_buffers(pa.string(), len(offsets) - 1,
                                 [validity, pa.py_buffer(np.array(offsets, np.int32)), pa.py_buffer(data)], nulls)


def _noise_message() -> bytes:
    from cape_udfs.kernels.keyed_noise import entity_message
    return entity_message("income", "u", ["alice"])


NOT_UTF8 = [
    pytest.param(lambda: _raw_strings(b"ok" + _noise_message(), [0, 2, 2 + len(_noise_message())]),
                 id="a keyed-noise message"),
    pytest.param(lambda: _raw_strings(b"\xc3\xa9", [0, 1, 2]),
                 id="a character split over two values (the buffer alone is valid UTF-8)"),
    pytest.param(lambda: _raw_strings(b"ab\xed\xa0\x80", [0, 2, 5]), id="a UTF-16 surrogate"),
    pytest.param(lambda: pa.array([b"ok", b"\xffsecret"], pa.binary()), id="a binary array"),
    pytest.param(lambda: pa.array([b"ok", b"\xffsecret"], pa.large_binary()), id="a large binary array"),
]


@pytest.mark.parametrize("algorithm", [HMAC_SHA256, CAPE_LEGACY])
@pytest.mark.parametrize("make", NOT_UTF8)
def test_input_that_is_not_utf8_is_refused(make, algorithm):
    from cape_udfs.errors import CapeError
    with pytest.raises(CapeError, match="tokenizer: input is not valid UTF-8 text") as info:
        tokens(make(), KEY, algorithm)
    assert isinstance(info.value, ValueError)
    text = f"{info.value!s} {info.value!r}"
    for secret in ("secret", "alice", "cape-noise", KEY.decode(), KEY.hex()):
        assert secret not in text


def test_null_slots_are_not_inputs():
    # A NULL's offsets may point at any bytes; only the values are checked.
    values = _raw_strings(b"ab\xff", [0, 2, 3], [True, False])
    assert tokens(values, KEY).to_pylist() == [hmac.digest(KEY, b"ab", "sha256").hex(), None]


def test_utf8_in_a_binary_array_is_text():
    assert tokens(pa.array([b"caf\xc3\xa9"], pa.binary()), KEY).to_pylist() == \
        tokens(pa.array(["café"]), KEY).to_pylist()


@pytest.fixture()
def duck():
    import duckdb

    from cape_udfs.duckdb_functions import register
    from cape_udfs.keyring import Keyring
    from cape_udfs.keys import encode_base64url
    con = duckdb.connect()
    register(con, Keyring(environ={"CAPE_DEFAULT_KEY": encode_base64url(KEY)}))
    yield con
    con.close()


@pytest.mark.parametrize("algorithm", [HMAC_SHA256, CAPE_LEGACY])
def test_duckdb_arrow_scan_with_bytes_that_are_not_utf8_fails(duck, algorithm):
    # DuckDB checks UTF-8 when it stores a string or reads Parquet, not when it scans
    # an Arrow table: these bytes reach cape_tokenize as a VARCHAR.
    import duckdb
    message = _noise_message()
    duck.register("scanned", pa.table({"v": _raw_strings(b"ok" + message, [0, 2, 2 + len(message)])}))
    with pytest.raises(duckdb.Error, match="tokenizer: input is not valid UTF-8 text") as info:
        duck.execute(f"select cape_tokenize(v, 'env:CAPE_DEFAULT_KEY', '{algorithm}') from scanned").fetchall()
    assert "alice" not in str(info.value) and "cape-noise" not in str(info.value)


def test_duckdb_blob_cast_to_varchar_is_escaped_text(duck):
    # cast(blob as varchar) writes bytes outside ASCII as '\xFF' escapes: valid UTF-8,
    # tokenized as that text, never as the raw bytes.
    [(token,)] = duck.execute("select cape_tokenize(cast(from_hex('ff61') as varchar), "
                              "'env:CAPE_DEFAULT_KEY', 'hmac-sha256')").fetchall()
    assert token == hmac.digest(KEY, b"\\xFFa", "sha256").hex()
