"""numeric-perturbation: add uniform noise drawn from [min, max).

Integer columns get whole-number noise, uniform over the integers in
[min, max) (cape-dataframes truncated toward zero, which doubled the weight of
0); the column keeps its type and an overflow fails the run instead of wrapping.
"""
from __future__ import annotations

import math

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import NUMBER, Param, Transform
from cape_udfs.transforms.perturbation import SEED

_LIMIT = 1e15


def _finite_bound(v):
    return None if abs(v) <= _LIMIT else f"must be between -{_LIMIT:.0e} and {_LIMIT:.0e}"


class NumericPerturbation(Transform):
    name = "numeric-perturbation"
    accepts = t.NUMERIC
    ignored = frozenset({"dtype"})
    params = (
        Param("min", NUMBER, "a number (lowest noise, inclusive)", check=_finite_bound),
        Param("max", NUMBER, "a number (highest noise, exclusive)", check=_finite_bound),
        SEED,
    )

    def check_combination(self, args):
        if not args["min"] < args["max"]:
            raise PolicyError("min must be less than max", field="max")

    def plan_args(self, args, family, options):
        if family != t.INTEGER:
            return args
        # Whole-number noise: the integers n with min <= n < max.
        low, high = math.ceil(args["min"]), math.ceil(args["max"])
        if low >= high:
            raise PolicyError("no whole number lies in [min, max) for an integer column", field="min")
        return {**args, "int_min": low, "int_max": high}
