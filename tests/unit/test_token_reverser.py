"""token-reverser: rejects anything that is not a token of this key, without echoing it."""
from __future__ import annotations

import base64

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from cape_udfs.errors import CapeError, TokenError
from cape_udfs.transforms.reversible_tokenizer import siv_tokens
from cape_udfs.transforms.token_reverser import TokenReverser, reverse_tokens

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
COLUMN = "customer_email"
GOOD = siv_tokens(pa.array(["alice@example.com"]), KEY).to_pylist()[0]


def _flip(token: str, index: int) -> str:
    ch = token[index]
    return token[:index] + ("0" if ch != "0" else "1") + token[index + 1:]


BAD_TOKENS = [
    pytest.param(_flip(GOOD, 0), KEY, id="tampered-first-digit-of-tag"),
    pytest.param(_flip(GOOD, 31), KEY, id="tampered-last-digit-of-tag"),
    pytest.param(_flip(GOOD, 32), KEY, id="tampered-first-digit-of-ciphertext"),
    pytest.param(_flip(GOOD, len(GOOD) - 1), KEY, id="tampered-last-digit"),
    pytest.param(GOOD, OTHER_KEY, id="wrong-key"),
    pytest.param(GOOD, bytes(range(48)), id="wrong-key-other-size"),
    pytest.param("zz" + GOOD[2:], KEY, id="non-hex"),
    pytest.param("alice@example.com", KEY, id="plain-value-not-a-token"),
    pytest.param(GOOD[:-1], KEY, id="odd-length"),
    pytest.param(GOOD[:30], KEY, id="too-short-30-hex"),
    pytest.param(GOOD[:2], KEY, id="too-short-one-byte"),
    pytest.param("", KEY, id="empty-string"),
    pytest.param(GOOD[:32], KEY, id="tag-only-of-a-longer-token"),
    pytest.param(GOOD + "00", KEY, id="extra-byte-appended"),
    pytest.param(AESSIV(KEY).encrypt(b"\xff\xfe", None).hex(), KEY, id="authentic-but-not-utf8"),
    pytest.param("é" * 40, KEY, id="non-ascii"),
]


@pytest.mark.parametrize("token, key", BAD_TOKENS)
def test_bad_token_is_token_error(token, key):
    with pytest.raises(TokenError, match=f"column '{COLUMN}'") as info:
        reverse_tokens(pa.array([token]), key, COLUMN)
    err = info.value
    assert isinstance(err, CapeError)
    text = f"{err!s} {err!r}"
    if token:
        assert token not in text
        assert token.upper() not in text
    for encoding in (key.hex(), key.hex().upper(), base64.urlsafe_b64encode(key).decode().rstrip("=")):
        assert encoding not in text
    # The original exception is not chained, so a traceback cannot show it either.
    assert err.__cause__ is None and err.__suppress_context__


@pytest.mark.parametrize("token, key", BAD_TOKENS)
def test_one_bad_token_fails_the_batch(token, key):
    values = pa.array([siv_tokens(pa.array(["x"]), key).to_pylist()[0], None, token], type=pa.string())
    with pytest.raises(TokenError):
        reverse_tokens(values, key, COLUMN)


def test_message_names_default_column():
    with pytest.raises(TokenError, match=r"column '\?'"):
        reverse_tokens(pa.array(["00"]), KEY)


def test_message_wording():
    with pytest.raises(TokenError, match="not a valid token for this key"):
        reverse_tokens(pa.array(["00"]), KEY, COLUMN)


@pytest.mark.parametrize(
    "values",
    [
        [],  # empty batch
        [None],  # only NULL
        [None, None],  # several NULLs
    ],
)
def test_nulls_and_empty_batches(values):
    out = reverse_tokens(pa.array(values, type=pa.string()), KEY, COLUMN)
    assert out.type == pa.string()
    assert out.to_pylist() == values


def test_good_token():
    assert reverse_tokens(pa.array([GOOD]), KEY, COLUMN).to_pylist() == ["alice@example.com"]


def test_output_type():
    assert TokenReverser().output_type("VARCHAR", {}) == "VARCHAR"


def test_validate_accepts_cape_encoding_argument():
    assert TokenReverser().validate({"encoding": "utf-8"}) == {}
