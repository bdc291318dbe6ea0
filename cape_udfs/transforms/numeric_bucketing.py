"""numeric-bucketing: replace a number with the label of its bucket.

Either fixed-width buckets of ``size`` (starting at ``lower``, else at 0;
``lower`` and ``upper`` close the tails) or explicit ``boundaries``. Buckets
are half-open, [lo, hi), and labelled

    ``lo-hi``   for lo <= x < hi                  age 34, size 10 -> ``30-40``
    ``<lo``     below ``lower`` / the first boundary
    ``>=hi``    at or above ``upper`` / the last boundary

Numbers in labels are plain decimals: no exponent, no trailing zeros, no
``.0`` (``30``, ``0.5``, ``-2.25``). A minus sign can only start a number, so
``-10--5`` (from -10 to -5) reads one way: the separator is the first ``-``
that does not start the label. With ``upper`` the last bucket ends there
(size 10, upper 95: ``90-95``).

Bounds are exact decimals (a YAML ``0.1`` is 0.1, not the nearest double).
Integer and decimal values are compared with them exactly. Float values are
compared as DOUBLE with each bound converted to DOUBLE, so a DOUBLE 0.3 falls
in ``0.3-0.4``; a FLOAT is widened first (a FLOAT 0.7 is 0.69999998... and
falls in ``0.6-0.7``). NaN gets the label ``NaN``; infinities go to the closed
tails, or are labelled ``inf`` / ``-inf`` where a tail is open. NULL stays NULL.

Fixed-width buckets need ``|value| < 10^15 * size`` (outside a closed tail)
and ``|lower| < 10^15 * size``: a value further out is an error naming the
column (close the tails with ``lower``/``upper``). Within that range a
double-precision estimate of the bucket number is off by at most one, which
the SQL corrects and then checks exactly.

Rendered as native SQL; ``bucket_label`` below is the reference it is
tested against.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import NUMBER, Param, Transform

MAX_BOUNDARIES = 1000
# Every bound is written as DECIMAL(18, scale): bucket arithmetic (a BIGINT
# bucket number times the size, plus lower) then fits DECIMAL(38, scale).
MAX_DIGITS = 18
MAX_BUCKETS = 10 ** 15  # |value| and |lower| below this many sizes (see the docstring)


def exact(value) -> Decimal:
    """The decimal a policy number stands for: YAML ``0.1`` is 0.1 exactly."""
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def scale_of(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent) if value else 0


def format_number(value) -> str:
    """A number as it appears in a label: plain decimal, shortest exact form."""
    d = value if isinstance(value, Decimal) else exact(value)
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def _boundaries(items) -> list:
    if not items:
        raise PolicyError("expected a non-empty list of numbers")
    if len(items) > MAX_BOUNDARIES:
        raise PolicyError(f"at most {MAX_BOUNDARIES} boundaries")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or \
                (isinstance(item, float) and not math.isfinite(item)):
            raise PolicyError("boundaries must be finite numbers")
    values = [exact(v) for v in items]
    if any(b <= a for a, b in zip(values, values[1:])):
        raise PolicyError("boundaries must be in strictly increasing order")
    return items


class NumericBucketing(Transform):
    name = "numeric-bucketing"
    accepts = t.NUMERIC
    params = (
        Param("size", NUMBER, "a positive number (the bucket width)", None,
              check=lambda v: None if v > 0 else "size must be positive"),
        Param("boundaries", (list,), "a list of numbers in strictly increasing order", None,
              convert=_boundaries),
        Param("lower", NUMBER, "a number (values below it are labelled '<lower')", None),
        Param("upper", NUMBER, "a number (values at or above it are labelled '>=upper')", None),
    )

    def check_combination(self, args):
        if (args["size"] is None) == (args["boundaries"] is None):
            raise PolicyError("give exactly one of 'size' (fixed-width buckets) or 'boundaries'",
                              field="size" if args["size"] is not None else "boundaries")
        if args["boundaries"] is not None:
            for name in ("lower", "upper"):
                if args[name] is not None:
                    raise PolicyError("lower/upper go with 'size'; with 'boundaries' the first and "
                                      "last boundary close the tails", field=name)
        else:
            if args["lower"] is not None and args["upper"] is not None and \
                    exact(args["upper"]) <= exact(args["lower"]):
                raise PolicyError("upper must be greater than lower", field="upper")
            if args["lower"] is not None and abs(exact(args["lower"])) >= MAX_BUCKETS * exact(args["size"]):
                raise PolicyError(f"lower must be less than {MAX_BUCKETS} times size away from 0",
                                  field="lower")
        constants = self._constants(args)
        scale = max(scale_of(d) for _, d in constants)
        for name, d in constants:
            if abs(d) * 10 ** scale >= 10 ** MAX_DIGITS:
                raise PolicyError(
                    f"too many digits: each bound times 10^{scale} (the most decimal places "
                    f"among the bounds) must stay below 10^{MAX_DIGITS}", field=name)

    @staticmethod
    def _constants(args) -> list[tuple[str, Decimal]]:
        if args["boundaries"] is not None:
            return [("boundaries", exact(v)) for v in args["boundaries"]]
        return [(n, exact(args[n])) for n in ("size", "lower", "upper") if args[n] is not None]

    def plan_args(self, args, family, options):
        constants = self._constants(args)
        scale = max(scale_of(d) for _, d in constants)
        text = format_number
        if args["boundaries"] is not None:
            bounds = [exact(v) for v in args["boundaries"]]
            labels = ["<" + text(bounds[0])]
            labels += [f"{text(a)}-{text(b)}" for a, b in zip(bounds, bounds[1:])]
            labels.append(">=" + text(bounds[-1]))
            return {**args, "mode": "boundaries", "scale": scale,
                    "bounds": [text(b) for b in bounds], "labels": labels}
        lower = None if args["lower"] is None else exact(args["lower"])
        upper = None if args["upper"] is None else exact(args["upper"])
        return {
            **args, "mode": "size", "scale": scale,
            "size_text": text(exact(args["size"])),
            "anchor": text(lower if lower is not None else Decimal(0)),
            "lower_text": None if lower is None else text(lower),
            "upper_text": None if upper is None else text(upper),
            "max_buckets": MAX_BUCKETS,
        }

    def output_type(self, input_type, args):
        return "VARCHAR"


def bucket_label(value, args: dict) -> str | None:
    """The reference label for one value, given validated arguments.

    ``value`` is an int, a Decimal or a float (a DOUBLE, or a FLOAT widened
    to one); floats are compared with each bound rounded to double."""
    if value is None:
        return None
    is_float = isinstance(value, float)
    if is_float and math.isnan(value):
        return "NaN"

    def ge(bound: Decimal) -> bool:  # value >= bound, the way the engine compares
        if is_float:
            return value >= float(bound)
        return Fraction(value) >= Fraction(bound)

    text = format_number
    if args["boundaries"] is not None:
        bounds = [exact(v) for v in args["boundaries"]]
        if not ge(bounds[0]):
            return "<" + text(bounds[0])
        for a, b in zip(bounds, bounds[1:]):
            if not ge(b):
                return f"{text(a)}-{text(b)}"
        return ">=" + text(bounds[-1])
    size = exact(args["size"])
    lower = None if args["lower"] is None else exact(args["lower"])
    upper = None if args["upper"] is None else exact(args["upper"])
    if lower is not None and not ge(lower):
        return "<" + text(lower)
    if upper is not None and ge(upper):
        return ">=" + text(upper)
    if is_float and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(Fraction(value)) >= MAX_BUCKETS * Fraction(size):
        raise OverflowError(f"|value| is {MAX_BUCKETS} or more times size")
    anchor = lower if lower is not None else Decimal(0)
    k = math.floor((Fraction(value) - Fraction(anchor)) / Fraction(size))
    if is_float:  # the engine compares with bounds rounded to double; follow it (one step at most)
        if not ge(anchor + k * size):
            k -= 1
        elif ge(anchor + (k + 1) * size):
            k += 1
        assert ge(anchor + k * size) and not ge(anchor + (k + 1) * size)
    lo = anchor + k * size
    hi = lo + size if upper is None else min(lo + size, upper)
    return f"{text(lo)}-{text(hi)}"
