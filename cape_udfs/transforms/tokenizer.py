"""tokenizer: a keyed one-way token, HMAC-SHA256 in lowercase hex.

``algorithm: cape-legacy`` reproduces cape-dataframes' ``sha256(value || key)``
for teams whose already-tokenized data must keep joining. It is weaker than
HMAC (a plain hash of value and key; length-extension shaped), so it is opt-in.
"""
from __future__ import annotations

import pyarrow as pa

from cape_udfs import types as t
from cape_udfs.batch import ARG, KEY, VALUE, Arg, BatchFunction
from cape_udfs.errors import PolicyError
from cape_udfs.kernels.arrow_text import require_utf8, string_array
from cape_udfs.kernels.distinct import OnDistinct
from cape_udfs.kernels.hmac_sha256 import hmac_hex, sha256_suffix_hex
from cape_udfs.transforms.base import INT, STRING, Param, Transform

HMAC_SHA256 = "hmac-sha256"
CAPE_LEGACY = "cape-legacy"
ALGORITHMS = (HMAC_SHA256, CAPE_LEGACY)


class Tokenizer(Transform):
    name = "tokenizer"
    uses_key = True
    # Non-text columns are tokenized in their canonical text form (CAST to text).
    # Floats are refused: their text form differs between engines.
    accepts = frozenset({t.TEXT, t.INTEGER, t.DECIMAL, t.DATE, t.TIMESTAMP})
    params = (
        Param("max_token_len", INT, "an integer from 1 to 64", 64,
              check=lambda v: None if 1 <= v <= 64 else "max_token_len must be from 1 to 64"),
        # Unset means the project's default (dbt var or model meta
        # cape_tokenizer_algorithm), else hmac-sha256.
        Param("algorithm", STRING, f"one of {', '.join(ALGORITHMS)}", None,
              check=lambda v: None if v in ALGORITHMS else f"algorithm must be one of {', '.join(ALGORITHMS)}"),
    )

    def plan_args(self, args, family, options):
        algorithm = args["algorithm"] or options.get("tokenizer_algorithm") or HMAC_SHA256
        if algorithm not in ALGORITHMS:
            raise PolicyError(f"cape_tokenizer_algorithm must be one of {', '.join(ALGORITHMS)}",
                              field="algorithm")
        return {**args, "algorithm": algorithm}

    def output_type(self, input_type, args):
        return "VARCHAR"

    def call_options(self, args):
        # A shorter token is a prefix of the full hex token.
        return {"left": args["max_token_len"]} if args["max_token_len"] < _HEX_TOKEN_LEN else {}


_HEX_TOKEN_LEN = 64


def hmac_tokens(values: pa.Array, key: bytes) -> pa.Array:
    """HMAC-SHA256(key, utf8(value)) as 64 lowercase hex characters; NULL stays NULL.

    Byte for byte ``hmac.digest(key, value, "sha256").hex()``, compiled or with
    the keyed SHA-256 states made once per batch (see hmac_sha256.py).
    """
    return string_array(values, hmac_hex(values, key), _HEX_TOKEN_LEN)


def legacy_tokens(values: pa.Array, key: bytes) -> pa.Array:
    """cape-dataframes' token: sha256(utf8(value) || key) in hex; NULL stays NULL."""
    return string_array(values, sha256_suffix_hex(values, key), _HEX_TOKEN_LEN)


def _tokens_each(values: pa.Array, key: bytes, algorithm: str) -> pa.Array:
    return (legacy_tokens if algorithm == CAPE_LEGACY else hmac_tokens)(values, key)


_tokens_per_distinct = OnDistinct(_tokens_each)


def tokens(values: pa.Array, key: bytes, algorithm: str = HMAC_SHA256) -> pa.Array:
    """The tokens of a batch, hashing each distinct value once (see distinct.py).

    Input that is not UTF-8 is refused: keyed-noise messages (keyed_noise.py)
    start with byte 0xFF, which UTF-8 never contains, so no token can be the
    HMAC of a noise message under the same key."""
    require_utf8(values, "tokenizer")
    return _tokens_per_distinct(values, key, algorithm)


# After tokens(), which it calls.
Tokenizer.function = BatchFunction("cape_tokenize", (Arg(VALUE), Arg(KEY), Arg(ARG, "algorithm")), "text", tokens)
