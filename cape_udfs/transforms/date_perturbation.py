"""date-perturbation: shift dates and timestamps by whole units of noise.

``frequency`` is one unit or a list; ``min``, ``max`` and ``scale`` are
numbers or lists of the same length, one per unit. For each unit a whole
number of units is drawn and the value moves by that many units (a year is
365 days and a month 30 days, as in cape-dataframes). DATE columns stay DATE
(the shifted timestamp is cut to its day).

* ``distribution: uniform`` (default): an integer uniform in [min, max) per
  unit; ``min`` and ``max`` required, ``scale`` refused.
* ``gaussian | laplace``: ``scale`` per unit is required (standard deviation,
  or mean absolute shift, in units); the draw is rounded half away from zero
  and clipped to the optional integer bounds [min, max] (min <= 0 <= max).
* ``consistent_by``: every row of an entity gets the same shift. The default
  salt is the same for every date column ("date-perturbation"), so a
  patient's dates all move together and intervals between them survive when
  the columns use the same frequency and bounds (a named transformation is
  the simplest way); give a different ``salt`` for independent shifts.
* Refused when planned against a column that no draw can change: every unit
  shifts by 0 (uniform [0, 1), or gaussian / laplace whose largest draw
  rounds to 0 or whose bounds are [0, 0]), or, for a DATE column, the total
  shift always lies within [0, 1 day) (a date is shifted as its midnight and
  cut back to its day, so ``frequency: hour, min: 0, max: 24`` never moves it).
"""
from __future__ import annotations

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.kernels.frequencies import SECONDS_PER_UNIT, normalize_unit
from cape_udfs.transforms.base import Transform, _describe
from cape_udfs.transforms.perturbation import (
    KEYED_PARAMS,
    NOISE_FUNCTIONS,
    UNIFORM,
    bind_relation,
    check_clip,
    check_keyed,
    finish_step,
    largest_rounded,
    needs_key,
)

_MAX_UNITS = 10_000_000
DEFAULT_SALT = "date-perturbation"
_LISTS = ("frequency", "min", "max", "scale")


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _per_unit(args, name, count, whole):
    """The list of ``name`` values, one per unit, or None when not given."""
    if args.get(name) is None:
        return None
    values = _as_list(args[name])
    kind = "integer(s)" if whole else "number(s)"
    if len(values) != count:
        raise PolicyError(f"expected {count} {kind}, one per frequency, got {len(values)}", field=name)
    for v in values:
        if whole and (isinstance(v, bool) or not isinstance(v, int)):
            raise PolicyError(f"expected whole numbers of units, got {_describe(v)}", field=name)
        if not whole and (isinstance(v, bool) or not isinstance(v, (int, float)) or v != v):
            raise PolicyError(f"expected positive numbers of units, got {_describe(v)}", field=name)
        if whole and abs(v) > _MAX_UNITS:
            raise PolicyError(f"must be between -{_MAX_UNITS} and {_MAX_UNITS}", field=name)
        if not whole and not 0 < v <= _MAX_UNITS:
            raise PolicyError(f"must be greater than 0 and at most {_MAX_UNITS}", field=name)
    return values


class DatePerturbation(Transform):
    name = "date-perturbation"
    accepts = t.TEMPORAL
    # Keyed only with seed or consistent_by (see needs_key); a key without them is refused.
    uses_key = True
    params = KEYED_PARAMS
    needs_key = staticmethod(needs_key)
    finish_step = staticmethod(finish_step)
    bind_relation = staticmethod(bind_relation)
    extra_functions = NOISE_FUNCTIONS

    def validate(self, args):
        base = super().validate({k: v for k, v in args.items() if k not in _LISTS})
        check_keyed(args, base)
        if base["consistent_by"] is not None and base["salt"] is None:
            base["salt"] = DEFAULT_SALT
        uniform = base["distribution"] == UNIFORM
        if args.get("frequency") is None:
            raise PolicyError("missing required argument", field="frequency")
        freqs = _as_list(args["frequency"])
        if not freqs:
            raise PolicyError("expected at least one unit", field="frequency")
        units = [normalize_unit(f, "frequency") for f in freqs]
        if uniform:
            for name in ("min", "max"):
                if args.get(name) is None:
                    raise PolicyError("missing required argument", field=name)
            if args.get("scale") is not None:
                raise PolicyError("scale is for gaussian and laplace shifts; uniform shifts are given by min and max",
                                  field="scale")
        elif args.get("scale") is None:
            raise PolicyError(f"missing required argument ({base['distribution']} shifts need a scale per frequency)",
                              field="scale")
        lows = _per_unit(args, "min", len(units), True) or [None] * len(units)
        highs = _per_unit(args, "max", len(units), True) or [None] * len(units)
        scales = _per_unit(args, "scale", len(units), False)
        shifts = []
        for i, (unit, lo, hi) in enumerate(zip(units, lows, highs)):
            shift = {"unit": unit, "min": lo, "max": hi, "seconds": SECONDS_PER_UNIT[unit]}
            if uniform:
                if not lo < hi:
                    raise PolicyError(f"min must be less than max for frequency {unit}", field="max")
            else:
                check_clip(lo, hi, f"for frequency {unit}")
                shift["scale"] = scales[i]
            shifts.append(shift)
        if len(set(units)) != len(units) and base["consistent_by"] is not None:
            # Keyed uniforms are drawn per unit name: a repeated unit would repeat its draw.
            raise PolicyError("each frequency may appear once with consistent_by", field="frequency")
        base.update(shifts=shifts)
        return base

    def check_effect(self, args, family, input_type):
        low = high = 0  # the least and greatest total shift, in seconds
        for shift in args["shifts"]:
            lo, hi = _unit_range(shift, args["distribution"])
            low += lo * shift["seconds"]
            high += hi * shift["seconds"]
        if low == high == 0:
            raise PolicyError("the shifts of every draw add up to 0, so every output would equal its input; "
                              "widen min and max (or the scale)", field="max")
        if family == t.DATE and low >= 0 and high < SECONDS_PER_UNIT["day"]:
            raise PolicyError("every shift lies within [0, 1 day) and a DATE column keeps only the day, so "
                              "every output would equal its input; allow negative or whole-day shifts",
                              field="max")


def _unit_range(shift, distribution):
    """The least and greatest whole number of units a draw can shift by."""
    if distribution == UNIFORM:
        return shift["min"], shift["max"] - 1
    reach = largest_rounded(shift["scale"], distribution)
    lo = -reach if shift["min"] is None else max(shift["min"], -reach)
    hi = reach if shift["max"] is None else min(shift["max"], reach)
    return lo, hi
