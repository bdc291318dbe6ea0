"""numeric-perturbation: add random noise to a number.

Argument rules (checked once, when the policy is loaded):

* ``distribution: uniform`` (default): noise uniform in [min, max); ``min`` and
  ``max`` are required, ``scale`` is refused.
* ``distribution: gaussian | laplace``: exactly one of ``scale`` (the standard
  deviation for gaussian; the b parameter, i.e. the mean absolute noise, for
  laplace) or ``relative_scale``; ``min`` and ``max`` are optional clipping
  bounds (noise never below min nor above max, so min <= 0 <= max).
* ``relative_scale: x``: the scale is s = x times the column's sample standard
  deviation in the input relation (computed by the engine in the same query,
  over the column's input values of every row), and ``min``/``max`` are in
  units of s: uniform noise lies in [min*s, max*s) (so min <= 0 < max),
  gaussian/laplace noise is s*Z with Z clipped to [min, max]. When the
  standard deviation is NULL (fewer than two non-NULL values) the output is
  NULL: there is no spread to hide a lone value in.
* ``seed``, ``consistent_by``, ``key``, ``salt``: see perturbation.py.
* Refused when planned against a column whose rounding turns every draw into
  0 (the output would be the input): integer columns when the whole numbers
  in [min, max) are just 0, or when gaussian / laplace noise rounds to 0 for
  every draw (scale below 0.5 / GAUSSIAN_MAX = 0.058 or 0.5 / LAPLACE_MAX =
  0.0136) or is clipped to [0, 0]; DECIMAL(p, s) columns, which keep s
  places, when every draw lies within half a unit of the last place (uniform
  [min, max) within [-h, h], or gaussian / laplace bounded by their clipping
  bounds and largest draw strictly inside (-h, h), h = 0.5 * 10**-s). Floats,
  and noise that scales with the data (relative_scale), are never refused.

Integer columns get whole-number noise: uniform over the integers in [min,
max) (cape-dataframes truncated toward zero, which doubled the weight of 0);
gaussian and laplace noise rounded half away from zero, then clipped to the
whole numbers within [min, max]. The column keeps its type and an overflow
fails the run instead of wrapping. DECIMAL results are cast back to the
column's scale.
"""
from __future__ import annotations

import math
import re

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import NUMBER, Param, Transform
from cape_udfs.transforms.perturbation import (
    KEYED_PARAMS,
    NOISE_FUNCTIONS,
    STANDARD_MAX,
    UNIFORM,
    bind_relation,
    check_clip,
    check_keyed,
    finish_step,
    largest_rounded,
    needs_key,
)

_LIMIT = 1e15
_MAX_RELATIVE = 1e6


def _finite_bound(v):
    return None if abs(v) <= _LIMIT else f"must be between -{_LIMIT:.0e} and {_LIMIT:.0e}"


def _positive(limit):
    def check(v):
        return None if 0 < v <= limit else f"must be greater than 0 and at most {limit:.0e}"
    return check


class NumericPerturbation(Transform):
    name = "numeric-perturbation"
    accepts = t.NUMERIC
    # Keyed only with seed or consistent_by (see needs_key); a key without them is refused.
    uses_key = True
    ignored = frozenset({"dtype"})
    params = (
        Param("min", NUMBER, "a number (lowest noise, inclusive)", None, check=_finite_bound),
        Param("max", NUMBER, "a number (highest noise, exclusive)", None, check=_finite_bound),
        Param("scale", NUMBER, "a positive number", None, check=_positive(_LIMIT)),
        Param("relative_scale", NUMBER, "a positive number", None, check=_positive(_MAX_RELATIVE)),
        *KEYED_PARAMS,
    )

    needs_key = staticmethod(needs_key)
    finish_step = staticmethod(finish_step)
    bind_relation = staticmethod(bind_relation)
    extra_functions = NOISE_FUNCTIONS

    def validate(self, args):
        out = super().validate(args)
        check_keyed(args, out)
        return out

    def check_combination(self, args):
        low, high = args["min"], args["max"]
        relative = args["relative_scale"] is not None
        if args["distribution"] == UNIFORM:
            if args["scale"] is not None:
                raise PolicyError("scale is for gaussian and laplace noise; uniform noise is given by min and max",
                                  field="scale")
            if low is None:
                raise PolicyError("missing required argument (a number (lowest noise, inclusive))", field="min")
            if high is None:
                raise PolicyError("missing required argument (a number (highest noise, exclusive))", field="max")
            if not low < high:
                raise PolicyError("min must be less than max", field="max")
            if relative and not low <= 0 < high:
                raise PolicyError("with relative_scale, uniform bounds must satisfy min <= 0 < max", field="min")
            return
        if (args["scale"] is None) == (not relative):
            raise PolicyError(f"{args['distribution']} noise needs exactly one of scale or relative_scale",
                              field="scale")
        check_clip(low, high)

    def plan_args(self, args, family, options):
        if family != t.INTEGER or args["relative_scale"] is not None:
            return args
        low, high = args["min"], args["max"]
        if args["distribution"] == UNIFORM:
            # Whole-number noise: the integers n with min <= n < max.
            low, high = math.ceil(low), math.ceil(high)
            if low >= high:
                raise PolicyError("no whole number lies in [min, max) for an integer column", field="min")
            return {**args, "int_min": low, "int_max": high}
        # Rounded noise clipped to the whole numbers in [min, max] (0 is always one).
        return {**args, "clip_min": None if low is None else math.ceil(low),
                "clip_max": None if high is None else math.floor(high)}

    def check_effect(self, args, family, input_type):
        if args["relative_scale"] is not None:
            return  # the scale comes from the data
        if family == t.INTEGER:
            _check_integer_effect(args)
        elif family == t.DECIMAL:
            places = _decimal_places(input_type)
            if places is not None:
                _check_decimal_effect(args, 0.5 * 10.0 ** -places, input_type)


_NO_EFFECT = "so every output would equal its input; widen the noise"


def _check_integer_effect(args):
    if args["distribution"] == UNIFORM:
        if (args["int_min"], args["int_max"]) == (0, 1):
            raise PolicyError(f"the only whole number in [min, max) is 0 for an integer column, {_NO_EFFECT}",
                              field="max")
        return
    if args["clip_min"] == 0 and args["clip_max"] == 0:
        raise PolicyError(f"the only whole number in [min, max] is 0 for an integer column, {_NO_EFFECT}",
                          field="max")
    dist = args["distribution"]
    if largest_rounded(args["scale"], dist) == 0:
        least = 0.5 / STANDARD_MAX[dist]
        raise PolicyError(f"{dist} noise of this scale rounds to 0 on every draw for an integer column "
                          f"(the scale must be at least {least:.4g}), {_NO_EFFECT}", field="scale")


def _decimal_places(input_type):
    found = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", input_type or "")
    if found:
        return int(found.group(1))
    # DECIMAL without arguments: DuckDB's DECIMAL(18, 3), Spark's decimal(10, 0).
    return None


def _check_decimal_effect(args, half, input_type):
    low, high = args["min"], args["max"]
    what = f"the column's type {input_type[:40]} keeps only whole units of its last place"
    if args["distribution"] == UNIFORM:
        if -half <= low and high <= half:
            raise PolicyError(f"noise in [min, max) lies within half a unit of the last place and {what}, "
                              f"{_NO_EFFECT}", field="max")
        return
    reach = args["scale"] * STANDARD_MAX[args["distribution"]]
    low = -reach if low is None else max(low, -reach)
    high = reach if high is None else min(high, reach)
    if -half < low and high < half:
        field = "scale" if high == reach and low == -reach else "max"
        raise PolicyError(f"{args['distribution']} noise with these bounds and scale stays within half a unit "
                          f"of the last place and {what}, {_NO_EFFECT}", field=field)
