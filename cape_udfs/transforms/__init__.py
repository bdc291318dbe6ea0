"""The transform registry, built from a list: adding a transform is adding a module."""
from __future__ import annotations

import difflib

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import Transform
from cape_udfs.transforms.column_redact import ColumnRedact
from cape_udfs.transforms.date_perturbation import DatePerturbation
from cape_udfs.transforms.date_truncation import DateTruncation
from cape_udfs.transforms.numeric_perturbation import NumericPerturbation
from cape_udfs.transforms.numeric_rounding import NumericRounding
from cape_udfs.transforms.reversible_tokenizer import ReversibleTokenizer
from cape_udfs.transforms.row_redact import RowRedact
from cape_udfs.transforms.token_reverser import TokenReverser
from cape_udfs.transforms.tokenizer import Tokenizer
from cape_udfs.transforms.character_mask import CharacterMask
from cape_udfs.transforms.format_preserving import FormatPreservingDecryption, FormatPreservingEncryption
from cape_udfs.transforms.numeric_bucketing import NumericBucketing
from cape_udfs.transforms.truncation import Truncation

TRANSFORMS: tuple[Transform, ...] = (
    Tokenizer(),
    ReversibleTokenizer(),
    TokenReverser(),
    NumericRounding(),
    DateTruncation(),
    NumericPerturbation(),
    DatePerturbation(),
    ColumnRedact(),
    RowRedact(),
    FormatPreservingEncryption(),
    FormatPreservingDecryption(),
    CharacterMask(),
    NumericBucketing(),
    Truncation(),
)

REGISTRY: dict[str, Transform] = {tr.name: tr for tr in TRANSFORMS}


def get_transform(name) -> Transform:
    if not isinstance(name, str) or name not in REGISTRY:
        hint = ""
        if isinstance(name, str):
            close = difflib.get_close_matches(name.lower(), REGISTRY, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean '{close[0]}'?"
        shown = repr(name) if isinstance(name, str) and len(name) <= 60 else "this value"
        raise PolicyError(f"unknown transform type {shown}{hint} (known: {', '.join(REGISTRY)})",
                          field="type")
    return REGISTRY[name]
