"""Transforming each distinct value once gives the same bytes as transforming
every row, NULLs and non-ASCII included, whether a batch is encoded or skips
encoding; a bad token among repeats is still an error."""
from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.errors import TokenError
from cape_udfs.kernels.distinct import OnDistinct
from cape_udfs.transforms.token_reverser import reverse_tokens
from cape_udfs.transforms.tokenizer import CAPE_LEGACY, tokens

# A few values drawn many times: the batches repeat, as fact-table columns do.
POOL = st.lists(st.one_of(st.just(""), st.text(max_size=30), st.sampled_from(["é", "山田", "\U0001F600", "a\x00b"])),
                min_size=1, max_size=6, unique=True)
BATCH = POOL.flatmap(lambda pool: st.lists(st.one_of(st.none(), st.sampled_from(pool)), max_size=120))
KEY = st.binary(min_size=32, max_size=32)


def hmac_reference(values, key):
    return [None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values]


@settings(max_examples=150, deadline=None)
@given(batches=st.lists(BATCH, min_size=1, max_size=5), key=KEY)
def test_tokens_per_distinct_value_equal_per_row_hmac(batches, key):
    for values in batches:
        assert tokens(pa.array(values, pa.string()), key).to_pylist() == hmac_reference(values, key)


@settings(max_examples=60, deadline=None)
@given(values=BATCH, key=KEY)
def test_legacy_tokens_per_distinct_value_equal_per_row(values, key):
    expected = [None if v is None else hashlib.sha256(v.encode() + key).hexdigest() for v in values]
    assert tokens(pa.array(values, pa.string()), key, CAPE_LEGACY).to_pylist() == expected


@settings(max_examples=60, deadline=None)
@given(values=BATCH, key=KEY)
def test_reverse_tokens_per_distinct_value_round_trip(values, key):
    siv = AESSIV(key)
    toks = [None if v is None else siv.encrypt(v.encode(), None).hex() for v in values]
    assert reverse_tokens(pa.array(toks, pa.string()), key, "c").to_pylist() == values


def test_a_bad_token_among_repeats_is_still_an_error():
    key = bytes(range(32))
    good = AESSIV(key).encrypt(b"alice", None).hex()
    with pytest.raises(TokenError, match="column 'c'"):
        reverse_tokens(pa.array([good] * 50 + ["00" * 20] + [good] * 50), key, "c")


def test_repeated_batches_are_encoded_and_distinct_ones_skip_encoding_for_a_while():
    seen = []

    def transform(values, key):
        seen.append(len(values))
        return pa.array([f"{v}:{key}" if v is not None else None for v in values.to_pylist()], pa.string())

    on_distinct = OnDistinct(transform, skip=2)
    repeated = pa.array(["a", "b", None, "a"] * 25)
    assert on_distinct(repeated, "k").to_pylist() == ["a:k", "b:k", None, "a:k"] * 25
    assert seen == [2]  # two distinct values transformed, not 100 rows
    distinct = pa.array([str(i) for i in range(100)])
    for _ in range(4):
        assert on_distinct(distinct, "k").to_pylist() == [f"{i}:k" for i in range(100)]
    # encoded and found mostly distinct, then two batches straight through, then encoded again
    assert seen[1:] == [100, 100, 100, 100]
    assert on_distinct._skipping == 2
    assert on_distinct(repeated, "k").to_pylist()[:4] == ["a:k", "b:k", None, "a:k"]
    assert seen[-1] == 100  # still skipping encoding: the whole batch, same output
