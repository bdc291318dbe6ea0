"""date-perturbation: shift dates and timestamps by whole units of noise.

``frequency`` is one unit or a list; ``min``/``max`` are integers or lists of
the same length. For each unit an integer is drawn uniformly from [min, max)
and the value moves by that many units (a year is 365 days and a month 30
days, as in cape-dataframes). DATE columns stay DATE (the shifted timestamp is
cut to its day).
"""
from __future__ import annotations

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import Transform, _describe
from cape_udfs.transforms.frequencies import SECONDS_PER_UNIT, normalize_unit
from cape_udfs.transforms.perturbation import SEED

_MAX_UNITS = 10_000_000


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


class DatePerturbation(Transform):
    name = "date-perturbation"
    accepts = t.TEMPORAL
    params = (SEED,)

    def validate(self, args):
        base = super().validate({k: v for k, v in args.items() if k not in {"frequency", "min", "max"}})
        for name in ("frequency", "min", "max"):
            if args.get(name) is None:
                raise PolicyError("missing required argument", field=name)
        freqs = _as_list(args["frequency"])
        if not freqs:
            raise PolicyError("expected at least one unit", field="frequency")
        units = [normalize_unit(f, "frequency") for f in freqs]
        bounds = {}
        for name in ("min", "max"):
            values = _as_list(args[name])
            if len(values) != len(units):
                raise PolicyError(
                    f"expected {len(units)} integer(s), one per frequency, got {len(values)}", field=name)
            for v in values:
                if isinstance(v, bool) or not isinstance(v, int):
                    raise PolicyError(f"expected whole numbers of units, got {_describe(v)}", field=name)
                if abs(v) > _MAX_UNITS:
                    raise PolicyError(f"must be between -{_MAX_UNITS} and {_MAX_UNITS}", field=name)
            bounds[name] = values
        for unit, lo, hi in zip(units, bounds["min"], bounds["max"]):
            if not lo < hi:
                raise PolicyError(f"min must be less than max for frequency {unit}", field="max")
        base.update(shifts=[{"unit": u, "min": lo, "max": hi, "seconds": SECONDS_PER_UNIT[u]}
                            for u, lo, hi in zip(units, bounds["min"], bounds["max"])])
        return base
