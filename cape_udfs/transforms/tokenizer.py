"""tokenizer: a keyed one-way token, HMAC-SHA256 in lowercase hex.

``algorithm: cape-legacy`` reproduces cape-dataframes' ``sha256(value || key)``
for teams whose already-tokenized data must keep joining. It is weaker than
HMAC (a plain hash of value and key; length-extension shaped), so it is opt-in.
"""
from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
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


def hmac_tokens(values: pa.Array, key: bytes) -> pa.Array:
    """HMAC-SHA256(key, utf8(value)) as 64 lowercase hex characters; NULL stays NULL."""
    digest = hmac.digest
    return pa.array(
        [None if v is None else digest(key, v.encode("utf-8"), "sha256").hex() for v in values.to_pylist()],
        type=pa.string(),
    )


def legacy_tokens(values: pa.Array, key: bytes) -> pa.Array:
    """cape-dataframes' token: sha256(utf8(value) || key) in hex; NULL stays NULL."""
    sha256 = hashlib.sha256
    return pa.array(
        [None if v is None else sha256(v.encode("utf-8") + key).hexdigest() for v in values.to_pylist()],
        type=pa.string(),
    )


def tokens(values: pa.Array, key: bytes, algorithm: str = HMAC_SHA256) -> pa.Array:
    return (legacy_tokens if algorithm == CAPE_LEGACY else hmac_tokens)(values, key)
