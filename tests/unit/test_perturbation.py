"""numeric-perturbation and date-perturbation: argument rules, keys, and what the plan binds."""
from __future__ import annotations

import textwrap

import pytest

from cape_udfs.errors import PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url
from cape_udfs.plan import build_plan
from cape_udfs.policy import parse_policy

PATH = "policies/p.yml"
DEFAULT_RAW = bytes(range(200, 232))
COLUMNS = [("id", "INTEGER"), ("patient_id", "BIGINT"), ("name", "VARCHAR"), ("cost", "DOUBLE"),
           ("price", "DECIMAL(12,2)"), ("born", "DATE"), ("seen_at", "TIMESTAMP WITH TIME ZONE"),
           ("tags", "VARCHAR[]")]
RELATION = '"db"."main"."visits"'


def _policy(text: str):
    return parse_policy(textwrap.dedent(text).lstrip("\n"), path=PATH)


def _one(column: str, transform: str) -> str:
    return f"rules:\n  - match: {{name: {column}}}\n    actions:\n      - transform: {transform}\n"


def _ring(environ=None):
    env = {"CAPE_DEFAULT_KEY": encode_base64url(DEFAULT_RAW)}
    env.update(environ or {})
    return Keyring(environ=env)


def _step(column, transform, ring=None):
    plan = build_plan(_policy(_one(column, transform)), COLUMNS, ring or _ring(), relation=RELATION)
    (step,) = next(c for c in plan["columns"] if c["name"] == column)["steps"]
    return step


# --- argument rules ---------------------------------------------------------------

@pytest.mark.parametrize(
    "transform, expected",
    [
        # cape-dataframes' form still loads, with the new arguments at their defaults
        ("{type: numeric-perturbation, dtype: Float, min: -10, max: 10}",
         {"min": -10, "max": 10, "distribution": "uniform", "scale": None, "relative_scale": None,
          "consistent_by": None, "salt": None, "seed": None}),
        # gaussian with a scale, no clipping
        ("{type: numeric-perturbation, distribution: gaussian, scale: 2.5}",
         {"distribution": "gaussian", "scale": 2.5, "min": None, "max": None}),
        # laplace clipped on one side only
        ("{type: numeric-perturbation, distribution: laplace, scale: 1, max: 3}",
         {"distribution": "laplace", "min": None, "max": 3}),
        # relative uniform: bounds in units of s
        ("{type: numeric-perturbation, relative_scale: 0.1, min: -1, max: 1}",
         {"relative_scale": 0.1, "min": -1, "max": 1}),
        # relative uniform may be one-sided from 0
        ("{type: numeric-perturbation, relative_scale: 2, min: 0, max: 1}", {"min": 0, "max": 1}),
        # consistent_by as one name becomes a list
        ("{type: numeric-perturbation, min: -1, max: 1, consistent_by: patient_id}",
         {"consistent_by": ["patient_id"]}),
        # an explicit salt
        ("{type: numeric-perturbation, distribution: gaussian, scale: 1, consistent_by: [id, name], salt: s1}",
         {"consistent_by": ["id", "name"], "salt": "s1"}),
    ],
)
def test_numeric_arguments_accepted(transform, expected):
    args = _policy(_one("cost", transform)).rules[0].actions[0].args
    for name, value in expected.items():
        assert args[name] == value, name


@pytest.mark.parametrize(
    "transform, field, message",
    [
        # uniform needs both bounds
        ("{type: numeric-perturbation, max: 1}", "min", "missing required argument"),
        ("{type: numeric-perturbation, min: -1}", "max", "missing required argument"),
        # uniform has no scale
        ("{type: numeric-perturbation, min: -1, max: 1, scale: 2}", "scale", "scale is for gaussian and laplace"),
        # an unknown distribution
        ("{type: numeric-perturbation, distribution: normal, scale: 1}", "distribution",
         "must be one of uniform, gaussian, laplace"),
        # gaussian without any scale
        ("{type: numeric-perturbation, distribution: gaussian, min: -1, max: 1}", "scale",
         "exactly one of scale or relative_scale"),
        # both scales
        ("{type: numeric-perturbation, distribution: laplace, scale: 1, relative_scale: 1}", "scale",
         "exactly one of scale or relative_scale"),
        # non-positive scales
        ("{type: numeric-perturbation, distribution: gaussian, scale: 0}", "scale", "greater than 0"),
        ("{type: numeric-perturbation, distribution: gaussian, scale: -1}", "scale", "greater than 0"),
        ("{type: numeric-perturbation, distribution: gaussian, relative_scale: -0.5}", "relative_scale",
         "greater than 0"),
        ("{type: numeric-perturbation, distribution: gaussian, scale: .inf}", "scale", "non-finite"),
        ("{type: numeric-perturbation, distribution: gaussian, scale: true}", "scale", "boolean"),
        # clipping bounds must contain 0
        ("{type: numeric-perturbation, distribution: gaussian, scale: 1, min: 1}", "min", "0 or less"),
        ("{type: numeric-perturbation, distribution: gaussian, scale: 1, max: -1}", "max", "0 or more"),
        ("{type: numeric-perturbation, distribution: laplace, scale: 1, min: 0, max: 0}", "max",
         "min must be less than max"),
        # relative uniform needs min <= 0 < max
        ("{type: numeric-perturbation, relative_scale: 1, min: 1, max: 2}", "min", "min <= 0 < max"),
        ("{type: numeric-perturbation, relative_scale: 1, min: -2, max: 0}", "min", "min <= 0 < max"),
        # a key without seed or consistent_by (fresh noise needs none)
        ("{type: numeric-perturbation, min: -1, max: 1, key: some-secret}", "key",
         "only used with seed or consistent_by"),
        ("{type: numeric-perturbation, min: -1, max: 1, key: {type: env, name: K}}", "key",
         "only used with seed or consistent_by"),
        # a salt without consistent_by (also with a seed: the seed is the salt)
        ("{type: numeric-perturbation, min: -1, max: 1, salt: s}", "salt", "only used with consistent_by"),
        ("{type: numeric-perturbation, min: -1, max: 1, seed: 3, salt: s}", "salt", "salted by its seed"),
        # seed and consistent_by are two sources of uniforms
        ("{type: numeric-perturbation, min: -1, max: 1, seed: 3, consistent_by: [id]}", "seed",
         "either seed or consistent_by"),
        # consistent_by shapes
        ("{type: numeric-perturbation, min: -1, max: 1, consistent_by: []}", "consistent_by", "at least one"),
        ("{type: numeric-perturbation, min: -1, max: 1, consistent_by: [id, ID]}", "consistent_by", "listed twice"),
        ("{type: numeric-perturbation, min: -1, max: 1, consistent_by: [3]}", "consistent_by", "an integer"),
        ("{type: numeric-perturbation, min: -1, max: 1, consistent_by: {a: b}}", "consistent_by", "a mapping"),
        ("{type: numeric-perturbation, min: -1, max: 1, consistent_by: id, salt: ''}", "salt", "1 to 200"),
        # an unknown argument is still refused
        ("{type: numeric-perturbation, min: -1, max: 1, sigma: 2}", "sigma", "unknown argument"),
    ],
)
def test_numeric_arguments_refused(transform, field, message):
    with pytest.raises(PolicyError) as info:
        _policy(_one("cost", transform))
    text = str(info.value)
    assert f"field '{field}'" in text and message in text and "rule 1 (column 'cost')" in text, text
    assert "some-secret" not in text


@pytest.mark.parametrize(
    "transform, shifts",
    [
        # cape-dataframes' form: unchanged shifts
        ("{type: date-perturbation, frequency: [DAY, hours], min: [-1, -2], max: [1, 2]}",
         [{"unit": "day", "min": -1, "max": 1, "seconds": 86400},
          {"unit": "hour", "min": -2, "max": 2, "seconds": 3600}]),
        # gaussian: one scale per unit, no clipping
        ("{type: date-perturbation, frequency: [day, minute], distribution: gaussian, scale: [3, 0.5]}",
         [{"unit": "day", "min": None, "max": None, "seconds": 86400, "scale": 3},
          {"unit": "minute", "min": None, "max": None, "seconds": 60, "scale": 0.5}]),
        # laplace with clipping
        ("{type: date-perturbation, frequency: day, distribution: laplace, scale: 2, min: -5, max: 5}",
         [{"unit": "day", "min": -5, "max": 5, "seconds": 86400, "scale": 2}]),
    ],
)
def test_date_arguments_accepted(transform, shifts):
    assert _policy(_one("born", transform)).rules[0].actions[0].args["shifts"] == shifts


def test_date_consistent_by_shares_one_default_salt():
    args = _policy(_one("born", "{type: date-perturbation, frequency: day, min: -1, max: 2, consistent_by: id}")
                   ).rules[0].actions[0].args
    assert args["salt"] == "date-perturbation" and args["consistent_by"] == ["id"]


@pytest.mark.parametrize(
    "transform, field, message",
    [
        ("{type: date-perturbation, frequency: day, min: -1}", "max", "missing required argument"),
        ("{type: date-perturbation, frequency: day, min: -1, max: 1, scale: 1}", "scale",
         "scale is for gaussian and laplace"),
        ("{type: date-perturbation, frequency: day, distribution: gaussian}", "scale", "missing required argument"),
        ("{type: date-perturbation, frequency: [day, hour], distribution: gaussian, scale: [1]}", "scale",
         "expected 2 number(s), one per frequency, got 1"),
        ("{type: date-perturbation, frequency: day, distribution: gaussian, scale: 0}", "scale", "greater than 0"),
        ("{type: date-perturbation, frequency: day, distribution: gaussian, scale: x}", "scale", "a string"),
        ("{type: date-perturbation, frequency: day, distribution: laplace, scale: 1, min: 2}", "min", "0 or less"),
        ("{type: date-perturbation, frequency: day, distribution: laplace, scale: 1, max: 1.5}", "max",
         "whole numbers"),
        ("{type: date-perturbation, frequency: day, min: -1, max: 1, key: k}", "key",
         "only used with seed or consistent_by"),
        ("{type: date-perturbation, frequency: day, min: -1, max: 1, seed: 1, consistent_by: id}", "seed",
         "either seed or consistent_by"),
        ("{type: date-perturbation, frequency: [day, DAYS], min: [0, 0], max: [1, 1], consistent_by: id}",
         "frequency", "once with consistent_by"),
        ("{type: date-perturbation, frequency: day, min: -1, max: 1, relative_scale: 1}", "relative_scale",
         "unknown argument"),
    ],
)
def test_date_arguments_refused(transform, field, message):
    with pytest.raises(PolicyError) as info:
        _policy(_one("born", transform))
    text = str(info.value)
    assert f"field '{field}'" in text and message in text, text


# --- keys: only with consistent_by -------------------------------------------------

def test_without_consistent_by_no_key_is_loaded():
    ring = Keyring(environ={})  # no CAPE_DEFAULT_KEY
    step = _step("cost", "{type: numeric-perturbation, distribution: gaussian, scale: 1}", ring)
    assert "key_id" not in step
    step = _step("born", "{type: date-perturbation, frequency: day, min: -1, max: 1}", ring)
    assert "key_id" not in step and "entity" not in step


def test_policy_holds_no_key_reference_without_consistent_by():
    # `cape-udfs validate --check-keys` loads every Action.key: an unkeyed
    # perturbation must not make it demand CAPE_DEFAULT_KEY.
    action = _policy(_one("cost", "{type: numeric-perturbation, min: -1, max: 1}")).rules[0].actions[0]
    assert action.key is None


def test_consistent_by_uses_the_default_key():
    step = _step("cost", "{type: numeric-perturbation, min: -1, max: 1, consistent_by: id}")
    assert step["key_id"] == "env:CAPE_DEFAULT_KEY"


def test_consistent_by_without_default_key_fails_at_plan_time():
    with pytest.raises(PolicyError, match="CAPE_DEFAULT_KEY is not set") as info:
        _step("cost", "{type: numeric-perturbation, min: -1, max: 1, consistent_by: id}", Keyring(environ={}))
    assert "field 'key'" in str(info.value)


@pytest.mark.parametrize(
    "key, key_id",
    [
        ("plain-secret-string", f"policy:{PATH}#r1.a1"),  # Cape plain string
        ("{type: secret, value: " + encode_base64url(b"k" * 32) + "}", f"policy:{PATH}#r1.a1"),
        ("{type: env, name: NOISE_KEY}", "env:NOISE_KEY"),
    ],
)
def test_every_key_form(key, key_id):
    ring = _ring({"NOISE_KEY": encode_base64url(b"n" * 32)})
    step = _step("cost", f"{{type: numeric-perturbation, min: -1, max: 1, consistent_by: id, key: {key}}}", ring)
    assert step["key_id"] == key_id
    assert "plain-secret-string" not in repr(step)


def test_named_key():
    ring = Keyring({"noise": {"env": "NOISE_KEY"}}, environ={"NOISE_KEY": encode_base64url(b"m" * 32)})
    step = _step("born", "{type: date-perturbation, frequency: day, min: -1, max: 1, consistent_by: id, "
                         "key: {type: named, name: noise}}", ring)
    assert step["key_id"] == "named:noise"


# --- what the plan binds -------------------------------------------------------------

def test_entity_columns_are_resolved_with_their_families():
    step = _step("cost", "{type: numeric-perturbation, min: -1, max: 1, "
                         "consistent_by: [PATIENT_ID, name, price, born, seen_at]}")
    assert step["entity"] == [
        {"column": "patient_id", "family": "integer"}, {"column": "name", "family": "text"},
        {"column": "price", "family": "decimal"}, {"column": "born", "family": "date"},
        {"column": "seen_at", "family": "timestamp"}]
    assert step["row_head"] == "id"  # the macro finds the row's alias before it
    assert step["args"]["salt"] == "cost"  # numeric default: the column, so columns get independent noise
    assert "relation" not in step


def test_missing_entity_column_is_named_with_a_suggestion():
    with pytest.raises(PolicyError) as info:
        _step("cost", "{type: numeric-perturbation, min: -1, max: 1, consistent_by: [patient]}")
    text = str(info.value)
    assert "column 'patient' is not in " + RELATION in text
    assert "did you mean 'patient_id'?" in text
    assert "field 'consistent_by'" in text and f"policy {PATH}" in text and "rule 1 (column 'cost')" in text


@pytest.mark.parametrize("column", ["cost", "tags"])
def test_entity_column_without_canonical_text_is_refused(column):
    with pytest.raises(PolicyError, match=f"consistent_by column '{column}' has type .*floats have no"):
        _step("price", f"{{type: numeric-perturbation, min: -1, max: 1, consistent_by: {column}}}")


def test_relative_scale_binds_the_relation():
    step = _step("cost", "{type: numeric-perturbation, distribution: gaussian, relative_scale: 0.1}")
    assert step["relation"] == RELATION and step["column"] == "cost"


@pytest.mark.parametrize(
    "transform, extra",
    [
        ("{type: numeric-perturbation, distribution: gaussian, scale: 2, min: -2.5, max: 3.5}",
         {"clip_min": -2, "clip_max": 3}),  # whole numbers within [min, max]
        ("{type: numeric-perturbation, distribution: laplace, scale: 2}", {"clip_min": None, "clip_max": None}),
        ("{type: numeric-perturbation, min: -2.5, max: 2.5}", {"int_min": -2, "int_max": 3}),  # unchanged
    ],
)
def test_integer_noise_bounds(transform, extra):
    args = _step("id", transform)["args"]
    for name, value in extra.items():
        assert args[name] == value, name


def test_relative_uniform_on_integers_is_not_checked_at_plan_time():
    # The bounds depend on the data; the renderer computes the whole numbers.
    args = _step("id", "{type: numeric-perturbation, relative_scale: 0.01, min: -0.5, max: 0.5}")["args"]
    assert "int_min" not in args


def test_plan_has_no_key_material():
    ring = _ring({"NOISE_KEY": encode_base64url(b"\x01" * 32)})
    step = _step("cost", "{type: numeric-perturbation, min: -1, max: 1, consistent_by: id, "
                         "key: {type: env, name: NOISE_KEY}}", ring)
    text = repr(step)
    assert encode_base64url(b"\x01" * 32) not in text and (b"\x01" * 32).hex() not in text
