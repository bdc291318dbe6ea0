"""token-reverser: the inverse of reversible-tokenizer with the same key.

A token that is not hex, is too short, or fails AES-SIV verification is an
error naming the column; the error never contains the token or the key, and
no value is guessed.
"""
from __future__ import annotations

import binascii

import numpy as np
import pyarrow as pa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from cape_udfs import types as t
from cape_udfs.batch import COLUMN, KEY, VALUE, Arg, BatchFunction
from cape_udfs.errors import TokenError
from cape_udfs.kernels.arrow_text import binary_parts, string_array, utf8_values
from cape_udfs.kernels.distinct import OnDistinct
from cape_udfs.transforms.base import Transform
from cape_udfs.transforms.reversible_tokenizer import check_siv_key

_TAG_BYTES = 16


class TokenReverser(Transform):
    name = "token-reverser"
    uses_key = True
    accepts = frozenset({t.TEXT})
    ignored = frozenset({"encoding"})
    key_check = staticmethod(check_siv_key)

    def output_type(self, input_type, args):
        return "VARCHAR"


def reverse_tokens(values: pa.Array, key: bytes, column: str = "?") -> pa.Array:
    """The plaintexts of a batch of tokens, decrypting each distinct token once
    (see distinct.py); errors as ``_reverse_each``."""
    return _reverse_per_distinct(values, key, column)


def _reverse_each(values: pa.Array, key: bytes, column: str) -> pa.Array:
    """Decrypt each token with AES-SIV; NULL stays NULL. Any token that is not
    one of this key's raises TokenError (one message for every cause).

    Every value is still verified and decrypted by ``AESSIV.decrypt``; what
    is batched is the hex decoding (one call for the column) and the result
    (one buffer, checked as UTF-8 per value by Arrow).
    """
    error = _invalid_token(column)
    decrypt = AESSIV(key).decrypt
    data, starts = binary_parts(utf8_values(values))
    raw, raw_starts = _unhex(data, starts)
    if raw is None:  # not plain even-length hex: decode one by one, as bytes.fromhex does
        try:
            pieces = [bytes.fromhex(token) for token in values.drop_null().to_pylist()]
        except ValueError:
            raise error from None
        raw = b"".join(pieces)
        raw_starts = np.zeros(len(pieces) + 1, np.int64)
        np.cumsum([len(piece) for piece in pieces], out=raw_starts[1:])
    sizes = np.diff(raw_starts)
    if (sizes < _TAG_BYTES).any():
        raise error from None
    view = memoryview(raw)
    bounds = raw_starts.tolist()
    try:
        plain = b"".join([decrypt(view[a:b], None) for a, b in zip(bounds, bounds[1:])])
    except InvalidTag:
        raise error from None
    result = string_array(values, plain, sizes - _TAG_BYTES)
    try:
        result.validate(full=True)  # every value must be valid UTF-8 on its own
    except pa.ArrowInvalid:
        raise error from None
    return result


_reverse_per_distinct = OnDistinct(_reverse_each)


def _invalid_token(column: str) -> TokenError:
    return TokenError(
        f"token-reverser: a value in column '{column}' is not a valid token for this key "
        "(not hex, too short, tampered, or made with another key)"
    )


def _unhex(data: np.ndarray, starts: np.ndarray):
    """(bytes, starts) of all tokens hex-decoded at once, or (None, None) when
    some token is not plain even-length hex."""
    if (starts % 2).any():
        return None, None
    try:
        return binascii.unhexlify(data), starts // 2
    except binascii.Error:
        return None, None


# The column travels with the call so an error can name it (never the token).
TokenReverser.function = BatchFunction("cape_token_reverse", (Arg(VALUE), Arg(KEY), Arg(COLUMN)), "text",
                                       reverse_tokens)
