"""The batched tokenizer paths give byte-identical output to the one-value-at-a-time
reference (hmac.new / hashlib / AESSIV per value), NULLs included.

hmac_tokens precomputes HMAC's keyed inner and outer SHA-256 states per batch;
siv_tokens spells out AES-SIV (S2V + CTR) over NumPy arrays; reverse_tokens
decodes hex for a whole column and builds the result from one buffer. Each is
checked here against the plain library call on random text.
"""
from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cape_udfs.batch import constant as _constant
from cape_udfs.duckdb_functions import register
from cape_udfs.errors import CapeError, TokenError
from cape_udfs.keyring import Keyring
from cape_udfs.keys import KeyRef
from cape_udfs.transforms import reversible_tokenizer
from cape_udfs.transforms.reversible_tokenizer import siv_tokens
from cape_udfs.transforms.token_reverser import reverse_tokens
from cape_udfs.transforms.tokenizer import hmac_tokens, legacy_tokens

# Text with the awkward cases weighted in: empty, ASCII, Latin-1, CJK, emoji,
# control characters, and lengths on both sides of AES's 16-byte blocks.
TEXT = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("aé山\U0001F600\x00\n"), min_size=14, max_size=18),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
)
VALUES = st.lists(st.one_of(st.none(), TEXT), max_size=80)
HMAC_KEYS = st.binary(min_size=1, max_size=200)  # below, at and above SHA-256's 64-byte block
SIV_KEYS = st.sampled_from([32, 48, 64]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
SHAPES = st.sampled_from(["plain", "sliced", "large", "view", "chunk"])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _arrow(values, shape):
    """The values as the Arrow array a caller might hand over."""
    if shape == "sliced":  # non-zero offset into shared buffers
        return pa.array(["pad", None, *values, "tail"], pa.string()).slice(2, len(values))
    if shape == "large":
        return pa.array(values, pa.large_string())
    if shape == "view":
        return pa.array(values, pa.string_view())
    if shape == "chunk":  # one chunk of a bigger array, as DuckDB hands batches
        return pa.chunked_array([pa.array(values + ["x"], pa.string())]).chunk(0).slice(0, len(values))
    return pa.array(values, pa.string())


def _ref_hmac(values, key):
    return [None if v is None else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()
            for v in values]


def _ref_legacy(values, key):
    return [None if v is None else hashlib.sha256(v.encode("utf-8") + key).hexdigest() for v in values]


def _ref_siv(values, key):
    siv = AESSIV(key)
    return [None if v is None else siv.encrypt(v.encode("utf-8"), None).hex() for v in values]


def _check(result: pa.Array, expected: list):
    assert result.type in (pa.string(), pa.large_string())
    result.validate(full=True)
    assert len(result) == len(expected)
    assert result.null_count == sum(v is None for v in expected)
    assert result.to_pylist() == expected


@FAST
@given(VALUES, HMAC_KEYS, SHAPES)
@example([None, "", "a", "Zoë", "山田 太郎", None], b"k", "plain")
@example([], b"k" * 65, "sliced")
def test_hmac_tokens_match_hmac_new(values, key, shape):
    _check(hmac_tokens(_arrow(values, shape), key), _ref_hmac(values, key))


@pytest.mark.parametrize("key_len", [1, 32, 63, 64, 65, 131])  # HMAC hashes keys longer than 64 bytes
def test_hmac_tokens_at_key_block_boundaries(key_len):
    key = bytes(range(key_len))
    values = ["", "a", None, "Zoë"]
    _check(hmac_tokens(pa.array(values), key), _ref_hmac(values, key))


@FAST
@given(VALUES, HMAC_KEYS, SHAPES)
def test_legacy_tokens_match_sha256_of_value_and_key(values, key, shape):
    _check(legacy_tokens(_arrow(values, shape), key), _ref_legacy(values, key))


@FAST
@given(VALUES, SIV_KEYS, SHAPES)
@example([None, "", "a" * 15, "a" * 16, "a" * 17, "a" * 32, "é" * 8, None], bytes(32), "plain")
def test_siv_tokens_match_aessiv_encrypt(values, key, shape):
    _check(siv_tokens(_arrow(values, shape), key), _ref_siv(values, key))


@FAST
@given(VALUES, SIV_KEYS, SHAPES)
def test_reverse_tokens_invert_aessiv_tokens(values, key, shape):
    tokens = _ref_siv(values, key)
    _check(reverse_tokens(_arrow(tokens, shape), key, "c"), values)


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 257, 1000, 5000])
def test_siv_tokens_at_block_and_batch_boundaries(length):
    """Values up to the batch limit go through the NumPy path, longer ones
    through AESSIV; a batch mixing both keeps row order."""
    key = bytes(range(64))
    values = ["x" * length, None, "é" * (length // 2), "", "y" * 300]
    _check(siv_tokens(pa.array(values), key), _ref_siv(values, key))


def test_siv_batch_limit_is_what_the_boundary_test_straddles():
    assert reversible_tokenizer._BATCH_MAX_BYTES == 256


@pytest.mark.parametrize("values", [
    [None],  # all NULL
    [None, None, None],
    [],
])
@pytest.mark.parametrize("null_typed", [False, True])
def test_all_null_and_empty_batches(values, null_typed):
    array = pa.array(values, pa.null() if null_typed else pa.string())
    key = bytes(32)
    _check(hmac_tokens(array, key), _ref_hmac(values, key))
    _check(legacy_tokens(array, key), _ref_legacy(values, key))
    _check(siv_tokens(array, key), _ref_siv(values, key))
    _check(reverse_tokens(array, key), values)


def test_siv_tokens_reject_a_bad_key_size_without_showing_it():
    key = b"s" * 40
    with pytest.raises(ValueError, match="32, 48 or 64 bytes") as info:
        siv_tokens(pa.array(["a"]), key)
    assert key.decode() not in str(info.value)


def test_siv_token_still_fails_aessiv_verification_when_tampered():
    """A token from the NumPy path is a real AES-SIV token: flipping a bit fails."""
    key = bytes(range(32))
    token = bytearray(bytes.fromhex(siv_tokens(pa.array(["alice@example.com"]), key)[0].as_py()))
    token[20] ^= 1
    with pytest.raises(InvalidTag):
        AESSIV(key).decrypt(bytes(token), None)


@pytest.mark.parametrize("tokens", [
    ["0" * 31],  # odd length
    ["zz" * 20],  # not hex
    ["00" * 15],  # shorter than a tag
    [" " + "00" * 16],  # whitespace: bytes.fromhex accepts it, so the tag check must fail
])
def test_reverse_tokens_reject_malformed_tokens_on_every_path(tokens):
    with pytest.raises(TokenError, match="column 'c'") as info:
        reverse_tokens(pa.array([None, *tokens]), bytes(32), "c")
    assert info.value.__suppress_context__


def test_reverse_tokens_accept_what_bytes_fromhex_accepts():
    """The column-wide hex decoding falls back to bytes.fromhex per value, so a
    token it accepted before (upper case, spaces between bytes) still reverses."""
    key = bytes(32)
    token = AESSIV(key).encrypt(b"hello", None).hex()
    spaced = " ".join(token[i:i + 2] for i in range(0, len(token), 2))
    assert reverse_tokens(pa.array([token.upper(), spaced]), key).to_pylist() == ["hello", "hello"]


@pytest.mark.parametrize("column, ok", [
    (pa.array(["k1"] * 5), True),
    (pa.chunked_array([pa.array(["k1"] * 5)]), True),
    (pa.array(["k1"]), True),
    (pa.array(["k1", "k1", "k2"]), False),  # a varying key id must not silently use the first
    (pa.array(["k2", "k1", "k1"]), False),
    (pa.array(["k1", None]), False),
    (pa.array([None, None], pa.string()), False),
    (pa.chunked_array([pa.array(["k1"]), pa.array(["k2"])]), False),
])
def test_constant_argument_check(column, ok):
    if ok:
        assert _constant(column, "key id") == "k1"
    else:
        with pytest.raises(CapeError, match="one non-NULL constant"):
            _constant(column, "key id")


def test_duckdb_functions_over_many_batches_match_the_reference():
    """Through DuckDB: batches of 2048 rows, NULLs and non-ASCII included."""
    keyring = Keyring()
    keyring.resolve(KeyRef("inline", "policy:test#0", inline=bytes(range(32))))
    con = duckdb.connect()
    register(con, keyring)
    con.execute("""create table t as select case when i % 7 = 0 then null
                                            when i % 5 = 0 then ''
                                            else 'Zoë-山田-' || i::varchar end as s
                   from range(5000) r(i)""")
    rows = con.execute("""select s, cape_tokenize(s, 'policy:test#0', 'hmac-sha256'),
                                 cape_tokenize(s, 'policy:test#0', 'cape-legacy'),
                                 cape_reversible_tokenize(s, 'policy:test#0'),
                                 cape_token_reverse(cape_reversible_tokenize(s, 'policy:test#0'),
                                                    'policy:test#0', 's')
                          from t order by rowid""").fetchall()
    values = [r[0] for r in rows]
    key = bytes(range(32))
    assert [r[1] for r in rows] == _ref_hmac(values, key)
    assert [r[2] for r in rows] == _ref_legacy(values, key)
    assert [r[3] for r in rows] == _ref_siv(values, key)
    assert [r[4] for r in rows] == values
