"""Shared pieces of numeric and date perturbation: seed, distribution, consistency.

Where the uniforms come from (one rule per step):

* no ``seed`` and no ``consistent_by``: fresh uniforms from a
  cryptographically secure generator every run (secure_noise.py), never a
  reproducible PRNG such as DuckDB's ``random()``;
* ``seed``: a keyed function (HMAC-SHA256, see keyed_noise) of the seed, the
  step and the row's input values, so a rerun on the same input with the same
  key gives the same output whatever the thread count or row order, and the
  policy alone (which names the seed) does not let anyone recompute it;
* ``consistent_by: [col, ...]``: a keyed function of those columns' values,
  so every row of one entity gets the same noise in every run, table and
  engine, and nobody without the key can predict it. ``salt`` picks the noise
  source: rows with the same key, salt and entity get the same uniforms.

With ``seed`` or ``consistent_by`` the transform is keyed: ``key`` takes the
usual forms and defaults to CAPE_DEFAULT_KEY.

``distribution`` shapes the noise from the uniforms: ``uniform`` (default) in
[min, max); ``gaussian`` with standard deviation ``scale`` (Box-Muller, two
uniforms, exact); ``laplace`` with mean absolute noise ``scale`` (the
difference of two exponentials, exact). For gaussian and laplace, ``min`` and
``max`` are optional clipping bounds that must contain 0.

A configuration whose every draw leaves the value unchanged (noise that the
column's rounding takes back to 0) is refused when the policy is planned
against the column's type: it would publish raw values as perturbed ones.
The 53-bit uniforms bound the standard draws: ``|Z| <= GAUSSIAN_MAX``
(Box-Muller at 1 - u1 = 2**-53, cos = 1) and ``|Z| <= LAPLACE_MAX`` (one
exponential at 53 ln 2, the other 0).
"""
from __future__ import annotations

import math

from cape_udfs import types as t
from cape_udfs.batch import ARG, KEY, LENGTH, VALUE, Arg, BatchFunction
from cape_udfs.columns import find_column, missing
from cape_udfs.errors import PolicyError
from cape_udfs.kernels.keyed_noise import ENTITY_FAMILIES, keyed_uniforms, seeded_salt
from cape_udfs.kernels.secure_noise import secure_standard, secure_uniforms
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


# The largest |Z| a draw from two 53-bit uniforms can give (see the docstring).
GAUSSIAN_MAX = math.sqrt(-2 * math.log(2.0 ** -53))
LAPLACE_MAX = 53 * math.log(2)
STANDARD_MAX = {GAUSSIAN: GAUSSIAN_MAX, LAPLACE: LAPLACE_MAX}


def needs_key(args) -> bool:
    """Seeded and consistent_by noise are keyed; fresh noise is not."""
    return args.get("consistent_by") is not None or args.get("seed") is not None


def check_keyed(raw_args: dict, args: dict) -> None:
    """``key`` only means something with ``seed`` or ``consistent_by``, ``salt``
    only with ``consistent_by`` (a seeded step's salt is its seed and place);
    ``seed`` is another source of uniforms and cannot be combined with
    ``consistent_by``."""
    if args["consistent_by"] is None:
        if raw_args.get("key") is not None and args["seed"] is None:
            raise PolicyError("a key is only used with seed or consistent_by (fresh noise needs none)",
                              field="key")
        if args["salt"] is not None:
            raise PolicyError("salt is only used with consistent_by (seeded noise is salted by its seed)",
                              field="salt")
    elif args["seed"] is not None:
        raise PolicyError("give either seed or consistent_by, not both (consistent_by noise is keyed)",
                          field="seed")


def largest_rounded(scale: float, distribution: str) -> int:
    """The largest |round(scale * Z)| (half away from zero) any draw can give."""
    return math.floor(scale * STANDARD_MAX[distribution] + 0.5)


def check_clip(low, high, what: str = "") -> None:
    """Clipping bounds of gaussian or laplace noise: optional, around 0."""
    suffix = f" {what}" if what else ""
    if low is not None and low > 0:
        raise PolicyError(f"clipping bound min must be 0 or less{suffix}", field="min")
    if high is not None and high < 0:
        raise PolicyError(f"clipping bound max must be 0 or more{suffix}", field="max")
    if low is not None and high is not None and not low < high:
        raise PolicyError(f"min must be less than max{suffix}", field="max")


def finish_step(step: dict) -> None:
    """Seeded noise is keyed by the row under a salt of the seed and the step's
    place, so equal seeds on two columns or steps stay independent."""
    args = step["args"]
    if args.get("seed") is not None and args.get("consistent_by") is None:
        step["seed_salt"] = seeded_salt(args["seed"], step["salt"])


def bind_relation(step: dict, names: list[str], types: dict, relation: str) -> None:
    """What a step reads from the relation besides its own column: the
    ``consistent_by`` columns, or every input column for seeded noise (raw
    input values, each with the family that fixes its canonical text;
    ``row_head`` lets the macro find the row's alias) and, for
    ``relative_scale``, the relation itself."""
    args = step["args"]
    wanted = args.get("consistent_by")
    if step.get("seed_salt") is not None:
        # Seeded noise: the whole input row, each column as its canonical text
        # where its family has one (the macro casts the others to text).
        step["entity"] = [{"column": c, "family": t.family_of(types[c])} for c in names]
        step["row_head"] = names[0]
    if wanted:
        entity = []
        for name in wanted:
            col = find_column(name, names)
            if col is None:
                raise PolicyError(missing(name, names, relation), field="consistent_by")
            family = t.family_of(types[col])
            if family not in ENTITY_FAMILIES:
                raise PolicyError(
                    f"consistent_by column '{col}' has type {types[col]}; it must be text, integer, decimal, "
                    "date or timestamp (floats have no engine-independent text form)", field="consistent_by")
            entity.append({"column": col, "family": family})
        step["entity"] = entity
        step["row_head"] = names[0]
        if args.get("salt") is None:
            step["args"] = {**args, "salt": step["column"]}
    if args.get("relative_scale") is not None:
        step["relation"] = relation


def _secure_gaussian(n: int):
    return secure_standard(n, GAUSSIAN)


def _secure_laplace(n: int):
    return secure_standard(n, LAPLACE)


# The functions perturbation's SQL calls (macros/transforms/uniform.sql, noise.sql):
# keyed uniforms of an entity (a list of canonical texts) for consistent_by and
# seeded noise, and fresh CSPRNG draws, one per row (the argument only gives the
# batch's length), never folded or cached by the engine.
NOISE_FUNCTIONS = (
    BatchFunction("cape_keyed_uniform", (Arg(VALUE, sql_type="text[]"), Arg(KEY), Arg(ARG, "salt"),
                                         Arg(ARG, "stream")), "double", keyed_uniforms),
    BatchFunction("cape_secure_uniform", (Arg(LENGTH, sql_type="integer"),), "double", secure_uniforms,
                  deterministic=False),
    BatchFunction("cape_secure_gaussian", (Arg(LENGTH, sql_type="integer"),), "double", _secure_gaussian,
                  deterministic=False),
    BatchFunction("cape_secure_laplace", (Arg(LENGTH, sql_type="integer"),), "double", _secure_laplace,
                  deterministic=False),
)
