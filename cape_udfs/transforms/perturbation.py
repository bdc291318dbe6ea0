"""Shared pieces of numeric and date perturbation: seed, distribution, consistency.

Where the uniforms come from (one rule per step):

* no ``seed`` and no ``consistent_by``: fresh random numbers every run;
* ``seed``: a function of the seed, the column and the row's input values, so
  a rerun on the same input gives the same output whatever the thread count or
  row order;
* ``consistent_by: [col, ...]``: a keyed function (HMAC-SHA256, see
  keyed_noise) of those columns' values, so every row of one entity gets the
  same noise in every run, table and engine, and nobody without the key can
  predict it. Only then is the transform keyed: ``key`` takes the usual forms
  and defaults to CAPE_DEFAULT_KEY. ``salt`` picks the noise source: rows with
  the same key, salt and entity get the same uniforms.

``distribution`` shapes the noise from the uniforms: ``uniform`` (default) in
[min, max); ``gaussian`` with standard deviation ``scale`` (Box-Muller, two
uniforms, exact); ``laplace`` with mean absolute noise ``scale`` (the
difference of two exponentials, exact). For gaussian and laplace, ``min`` and
``max`` are optional clipping bounds that must contain 0.
"""
from __future__ import annotations

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import INT, STRING, Param, _describe

UNIFORM, GAUSSIAN, LAPLACE = "uniform", "gaussian", "laplace"
DISTRIBUTIONS = (UNIFORM, GAUSSIAN, LAPLACE)
MAX_ENTITY_COLUMNS = 16


def _entity_columns(value):
    names = value if isinstance(value, list) else [value]
    if not names:
        raise PolicyError("expected at least one column name")
    if len(names) > MAX_ENTITY_COLUMNS:
        raise PolicyError(f"expected at most {MAX_ENTITY_COLUMNS} column names")
    seen = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise PolicyError(f"expected column names (non-empty strings), got {_describe(name)}")
        if name.lower() in seen:
            raise PolicyError(f"column '{name[:80]}' is listed twice")
        seen.add(name.lower())
    return list(names)


SEED = Param("seed", INT, "an integer seed", None)
DISTRIBUTION = Param(
    "distribution", STRING, f"one of {', '.join(DISTRIBUTIONS)}", UNIFORM,
    check=lambda v: None if v in DISTRIBUTIONS else f"distribution must be one of {', '.join(DISTRIBUTIONS)}")
CONSISTENT_BY = Param("consistent_by", (str, list), "a column name or a list of column names", None,
                      convert=_entity_columns)
SALT = Param("salt", STRING, "a non-empty string", None,
             check=lambda v: None if v.strip() and len(v) <= 200 else "salt must be 1 to 200 characters")
KEYED_PARAMS = (SEED, DISTRIBUTION, CONSISTENT_BY, SALT)


def check_keyed(raw_args: dict, args: dict) -> None:
    """``key`` and ``salt`` only mean something with ``consistent_by``; ``seed``
    is another source of uniforms and cannot be combined with it."""
    if args["consistent_by"] is None:
        if raw_args.get("key") is not None:
            raise PolicyError("a key is only used with consistent_by (the noise is keyed by those columns)",
                              field="key")
        if args["salt"] is not None:
            raise PolicyError("salt is only used with consistent_by", field="salt")
    elif args["seed"] is not None:
        raise PolicyError("give either seed or consistent_by, not both (consistent_by noise is keyed)",
                          field="seed")


def check_clip(low, high, what: str = "") -> None:
    """Clipping bounds of gaussian or laplace noise: optional, around 0."""
    suffix = f" {what}" if what else ""
    if low is not None and low > 0:
        raise PolicyError(f"clipping bound min must be 0 or less{suffix}", field="min")
    if high is not None and high < 0:
        raise PolicyError(f"clipping bound max must be 0 or more{suffix}", field="max")
    if low is not None and high is not None and not low < high:
        raise PolicyError(f"min must be less than max{suffix}", field="max")
