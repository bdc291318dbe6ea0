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

Integer columns get whole-number noise: uniform over the integers in [min,
max) (cape-dataframes truncated toward zero, which doubled the weight of 0);
gaussian and laplace noise rounded half away from zero, then clipped to the
whole numbers within [min, max]. The column keeps its type and an overflow
fails the run instead of wrapping. DECIMAL results are cast back to the
column's scale.
"""
from __future__ import annotations

import math

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import NUMBER, Param, Transform
from cape_udfs.transforms.perturbation import KEYED_PARAMS, UNIFORM, check_clip, check_keyed

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
    # Keyed only with consistent_by (see needs_key); a key without it is refused.
    uses_key = True
    ignored = frozenset({"dtype"})
    params = (
        Param("min", NUMBER, "a number (lowest noise, inclusive)", None, check=_finite_bound),
        Param("max", NUMBER, "a number (highest noise, exclusive)", None, check=_finite_bound),
        Param("scale", NUMBER, "a positive number", None, check=_positive(_LIMIT)),
        Param("relative_scale", NUMBER, "a positive number", None, check=_positive(_MAX_RELATIVE)),
        *KEYED_PARAMS,
    )

    @staticmethod
    def needs_key(args) -> bool:
        return args.get("consistent_by") is not None

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
