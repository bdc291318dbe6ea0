"""token-reverser: the inverse of reversible-tokenizer with the same key.

A token that is not hex, is too short, or fails AES-SIV verification is an
error naming the column; the error never contains the token or the key, and
no value is guessed.
"""
from __future__ import annotations

import pyarrow as pa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from cape_udfs import types as t
from cape_udfs.errors import TokenError
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
    decrypt = AESSIV(key).decrypt
    out = []
    for row, token in enumerate(values.to_pylist()):
        if token is None:
            out.append(None)
            continue
        try:
            data = bytes.fromhex(token)
            if len(data) < _TAG_BYTES:
                raise ValueError
            out.append(decrypt(data, None).decode("utf-8"))
        except (ValueError, InvalidTag, UnicodeDecodeError):
            raise TokenError(
                f"token-reverser: a value in column '{column}' is not a valid token for this key "
                "(not hex, too short, tampered, or made with another key)"
            ) from None
    return pa.array(out, type=pa.string())
