"""Perturbations that cannot change a value are refused when planned (the audit would
call raw values perturbed); near misses that can move a value still plan."""
from __future__ import annotations

import textwrap

import pytest

from cape_udfs.errors import PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url
from cape_udfs.plan import build_plan
from cape_udfs.policy import parse_policy
from cape_udfs.transforms.perturbation import GAUSSIAN_MAX, LAPLACE_MAX
from tests.unit import macro_sql

COLUMNS = [("id", "INTEGER"), ("n", "BIGINT"), ("x", "DOUBLE"), ("price", "DECIMAL(12,2)"),
           ("whole", "DECIMAL(10,0)"), ("d", "DATE"), ("ts", "TIMESTAMP")]
RING = Keyring(environ={"CAPE_DEFAULT_KEY": encode_base64url(bytes(range(32)))})


def _plan(column, transform):
    policy = parse_policy(textwrap.dedent(f"""
        rules:
          - match: {{name: {column}}}
            actions:
              - transform: {transform}
    """), path="policies/p.yml")
    return build_plan(policy, COLUMNS, RING, relation="t")


REFUSED = [
    # The two: integer uniform [-0.5, 0.5) holds only the whole number 0 ...
    ("n", "{type: numeric-perturbation, dtype: Integer, min: -0.5, max: 0.5}", "max", "only whole number"),
    # ... and a date shift by a whole number of days in [0, 1).
    ("d", "{type: date-perturbation, frequency: DAY, min: 0, max: 1}", "max", "add up to 0"),
    ("ts", "{type: date-perturbation, frequency: [day, hour], min: [0, 0], max: [1, 1]}", "max", "add up to 0"),
    # Seeded or keyed, the same: the source of the uniforms does not matter.
    ("id", "{type: numeric-perturbation, min: -0.9, max: 0.1, seed: 3}", "max", "only whole number"),
    ("id", "{type: numeric-perturbation, min: 0, max: 1, consistent_by: d}", "max", "only whole number"),
    # Integer gaussian / laplace: every draw rounds to 0 (|Z| is bounded by the 53-bit uniforms) ...
    ("n", "{type: numeric-perturbation, distribution: gaussian, scale: 0.05}", "scale", "rounds to 0"),
    ("n", "{type: numeric-perturbation, distribution: laplace, scale: 0.013}", "scale", "rounds to 0"),
    # ... or the clipping bounds hold only 0.
    ("n", "{type: numeric-perturbation, distribution: laplace, scale: 5, min: -0.9, max: 0.9}", "max",
     r"only whole number in \[min, max\]"),
    # DECIMAL(12,2) keeps two places: noise within half a cent is rounded away.
    ("price", "{type: numeric-perturbation, min: -0.005, max: 0.005}", "max", "half a unit"),
    ("whole", "{type: numeric-perturbation, min: -0.5, max: 0.5}", "max", "half a unit"),
    ("price", "{type: numeric-perturbation, distribution: gaussian, scale: 0.0005}", "scale", "half a unit"),
    ("price", "{type: numeric-perturbation, distribution: gaussian, scale: 3, min: -0.004, max: 0.004}", "max",
     "half a unit"),
    # A DATE keeps its day: shifts in [0, 24 h) never move it, nor 0 days plus some minutes.
    ("d", "{type: date-perturbation, frequency: hour, min: 0, max: 24}", "max", "DATE column keeps only the day"),
    ("d", "{type: date-perturbation, frequency: [day, minute], min: [0, 0], max: [1, 1439]}", "max",
     "DATE column keeps only the day"),
    ("d", "{type: date-perturbation, frequency: hour, distribution: gaussian, scale: 1, min: 0, max: 23}", "max",
     "DATE column keeps only the day"),
    # Shifts that always cancel: +1 day and -24 hours.
    ("ts", "{type: date-perturbation, frequency: [day, hour], min: [1, -24], max: [2, -23]}", "max", "add up to 0"),
    # Gaussian days whose every draw rounds to 0.
    ("ts", "{type: date-perturbation, frequency: day, distribution: gaussian, scale: 0.05}", "max", "add up to 0"),
]


@pytest.mark.parametrize("column, transform, field, message", REFUSED)
def test_no_op_perturbations_are_refused(column, transform, field, message):
    with pytest.raises(PolicyError, match=message) as info:
        _plan(column, transform)
    text = str(info.value)
    assert "policies/p.yml" in text and f"rule 1 (column '{column}')" in text and f"field '{field}'" in text
    assert "every output would equal its input" in text


ALLOWED = [
    ("n", "{type: numeric-perturbation, min: -0.5, max: 1.2}"),  # 0 or 1
    ("n", "{type: numeric-perturbation, min: -1.5, max: -0.5}"),  # always -1: moves (a constant, not 0)
    ("n", "{type: numeric-perturbation, distribution: gaussian, scale: 0.0584}"),  # 8.57 * scale >= 0.5
    ("n", "{type: numeric-perturbation, distribution: laplace, scale: 0.0137}"),
    ("n", "{type: numeric-perturbation, distribution: laplace, scale: 5, min: -1, max: 0}"),
    ("x", "{type: numeric-perturbation, min: -0.0001, max: 0.0001}"),  # floats keep every bit
    ("x", "{type: numeric-perturbation, distribution: gaussian, scale: 0.00001}"),
    ("price", "{type: numeric-perturbation, min: -0.006, max: 0.005}"),  # -0.006 rounds to -0.01
    ("price", "{type: numeric-perturbation, distribution: gaussian, scale: 3, min: -0.005, max: 0.004}"),
    ("n", "{type: numeric-perturbation, relative_scale: 0.001, min: -1, max: 1}"),  # scale from the data
    ("d", "{type: date-perturbation, frequency: hour, min: -1, max: 1}"),  # -1 h is the day before
    ("d", "{type: date-perturbation, frequency: hour, min: 0, max: 25}"),  # 24 h is the next day
    ("ts", "{type: date-perturbation, frequency: hour, min: 0, max: 2}"),
    ("ts", "{type: date-perturbation, frequency: second, distribution: laplace, scale: 0.0137}"),
]


@pytest.mark.parametrize("column, transform", ALLOWED)
def test_perturbations_that_can_move_a_value_plan(column, transform):
    assert _plan(column, transform)["columns"]


def test_the_largest_standard_draws():
    # Box-Muller at 1 - u1 = 2**-53 and cos = 1; Exp(1) at 53 ln 2 minus Exp(1) at 0.
    assert GAUSSIAN_MAX == pytest.approx(8.5717, abs=1e-4)
    assert LAPLACE_MAX == pytest.approx(36.7368, abs=1e-4)


def test_column_macros_are_checked_against_their_data_type():
    with pytest.raises(PolicyError, match="only whole number"):
        macro_sql.step_for("numeric-perturbation", {"min": -0.5, "max": 0.5}, "INTEGER")
    # The type unknown: nothing to round to, nothing refused.
    assert macro_sql.step_for("numeric-perturbation", {"min": -0.5, "max": 0.5}, None)
    with pytest.raises(PolicyError, match="DATE column keeps only the day"):
        macro_sql.step_for("date-perturbation", {"frequency": "minute", "min": 0, "max": 60}, "DATE")
