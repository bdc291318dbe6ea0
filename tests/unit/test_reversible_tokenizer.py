"""reversible-tokenizer: AES-SIV (RFC 5297 known answers) and the token layout hex(tag || ciphertext)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.reversible_tokenizer import (
    SIV_KEY_SIZES,
    ReversibleTokenizer,
    check_siv_key,
    siv_tokens,
)
from cape_udfs.transforms.token_reverser import reverse_tokens

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc5297_aes_siv.json").read_text())["vectors"]
TAG_BYTES = 16
KEY = bytes(range(64))[:32]

ROUND_TRIP_VALUES = [
    "",  # empty: a token that is only the 16-byte tag
    "a",  # one byte
    "Zoë",  # non-ASCII Latin
    "山田",  # CJK
    "x" * 1000,  # long
    None,  # NULL
]


def _components(vector) -> list[bytes]:
    """RFC 5297's AD vector: the AD items, then the nonce as the last component."""
    ad = [bytes.fromhex(a) for a in vector["associated_data"]]
    if vector["nonce"] is not None:
        ad.append(bytes.fromhex(vector["nonce"]))
    return ad


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_rfc5297_vector_file_is_consistent(vector):
    assert vector["output"] == vector["tag"] + vector["ciphertext"]
    assert len(bytes.fromhex(vector["tag"])) == TAG_BYTES
    assert len(bytes.fromhex(vector["ciphertext"])) == len(bytes.fromhex(vector["plaintext"]))


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_rfc5297_encrypt(vector):
    """AESSIV(key).encrypt, as siv_tokens calls it, returns V || C (tag first)."""
    siv = AESSIV(bytes.fromhex(vector["key"]))
    out = siv.encrypt(bytes.fromhex(vector["plaintext"]), _components(vector))
    assert out.hex() == vector["output"]
    assert out[:TAG_BYTES].hex() == vector["tag"]
    assert out[TAG_BYTES:].hex() == vector["ciphertext"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_rfc5297_decrypt(vector):
    siv = AESSIV(bytes.fromhex(vector["key"]))
    assert siv.decrypt(bytes.fromhex(vector["output"]), _components(vector)).hex() == vector["plaintext"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_rfc5297_associated_data_is_authenticated(vector):
    """Dropping the AD (as siv_tokens does) gives a different tag: layout depends on AD=None."""
    siv = AESSIV(bytes.fromhex(vector["key"]))
    assert siv.encrypt(bytes.fromhex(vector["plaintext"]), None).hex() != vector["output"]


def test_rfc5297_a2_plaintext_through_siv_tokens():
    """A.2's plaintext is ASCII, so it can go through the Arrow path (without its AD and nonce)."""
    vector = next(v for v in VECTORS if v["name"] == "A.2")
    key = bytes.fromhex(vector["key"])
    text = bytes.fromhex(vector["plaintext"]).decode("utf-8")
    (token,) = siv_tokens(pa.array([text]), key).to_pylist()
    raw = bytes.fromhex(token)
    assert AESSIV(key).decrypt(raw, None) == text.encode("utf-8")
    assert AESSIV(key).decrypt(bytes.fromhex(vector["output"]), _components(vector)) == text.encode("utf-8")


@pytest.mark.parametrize("value", [v for v in ROUND_TRIP_VALUES if v is not None],
                         ids=["empty", "one-byte", "latin", "cjk", "long"])
@pytest.mark.parametrize("key_size", SIV_KEY_SIZES)
def test_siv_token_layout(value, key_size):
    key = bytes(range(key_size))
    (token,) = siv_tokens(pa.array([value]), key).to_pylist()
    assert re.fullmatch(r"[0-9a-f]+", token), "lowercase hex"
    raw = bytes.fromhex(token)
    plain = value.encode("utf-8")
    assert len(raw) == TAG_BYTES + len(plain)
    assert AESSIV(key).decrypt(raw, None) == plain  # hex(tag || ciphertext), no AD
    assert token == AESSIV(key).encrypt(plain, None).hex()


def test_siv_tokens_null_stays_null():
    out = siv_tokens(pa.array([None, "a", None], type=pa.string()), KEY)
    assert out.type == pa.string()
    assert out.to_pylist()[0] is None and out.to_pylist()[2] is None
    assert out.to_pylist()[1] is not None


def test_siv_tokens_empty_array():
    out = siv_tokens(pa.array([], type=pa.string()), KEY)
    assert out.type == pa.string() and len(out) == 0


def test_siv_tokens_are_deterministic():
    a, b, c = siv_tokens(pa.array(["alice", "alice", "bob"]), KEY).to_pylist()
    assert a == b != c
    assert siv_tokens(pa.array(["alice"]), bytes(32)).to_pylist()[0] != a


@pytest.mark.parametrize("key_size", SIV_KEY_SIZES)
def test_round_trip(key_size):
    key = bytes(range(100, 100 + key_size))
    tokens = siv_tokens(pa.array(ROUND_TRIP_VALUES, type=pa.string()), key)
    assert reverse_tokens(tokens, key, "c").to_pylist() == ROUND_TRIP_VALUES


@given(values=st.lists(st.one_of(st.none(), st.text()), max_size=20))
@settings(max_examples=100, deadline=None)
def test_round_trip_property(values):
    tokens = siv_tokens(pa.array(values, type=pa.string()), KEY)
    assert reverse_tokens(tokens, KEY, "c").to_pylist() == values


@pytest.mark.parametrize(
    "size, ok",
    [
        (0, False),  # empty
        (16, False),  # AES-128 key: SIV needs two keys
        (31, False),  # one byte short
        (32, True),  # AES-128-SIV
        (33, False),  # one byte long
        (48, True),  # AES-192-SIV
        (64, True),  # AES-256-SIV
        (128, False),  # too long
    ],
)
def test_check_siv_key(size, ok):
    problem = check_siv_key(b"\x01" * size)
    if ok:
        assert problem is None
    else:
        assert problem == f"key must be 32, 48 or 64 bytes for AES-SIV (got {size} bytes)"


def test_validate_accepts_cape_encoding_argument():
    assert ReversibleTokenizer().validate({"encoding": "utf-8"}) == {}


def test_validate_rejects_unknown_argument():
    with pytest.raises(PolicyError, match="unknown argument for reversible-tokenizer") as info:
        ReversibleTokenizer().validate({"max_token_len": 10})
    assert info.value.field == "max_token_len"


def test_output_type():
    assert ReversibleTokenizer().output_type("VARCHAR(10)", {}) == "VARCHAR"


def test_a_batch_that_disagrees_with_aessiv_is_refused(monkeypatch):
    # The run-time spot check: if the batched construction ever produced other
    # bytes than cryptography's AESSIV for a batch's first value, no tokens are written.
    from cape_udfs.errors import CapeError
    from cape_udfs.transforms import reversible_tokenizer as rt

    key = bytes(range(32))
    values = pa.array(["alice@example.com", "bob@example.com"])
    good = siv_tokens(values, key).to_pylist()
    assert good[0] == AESSIV(key).encrypt(b"alice@example.com", None).hex()
    real = rt._siv_encrypt_batch
    monkeypatch.setattr(rt, "_siv_encrypt_batch", lambda *a: real(*a) ^ 1)
    with pytest.raises(CapeError, match="disagrees with cryptography's AESSIV") as err:
        siv_tokens(values, key)
    assert "alice" not in str(err.value) and key.hex() not in str(err.value)
