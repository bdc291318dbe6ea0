"""numeric-bucketing: arguments, label text, the reference, and the rendered
DuckDB SQL proven equal to the reference for every numeric type."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.numeric_bucketing import (
    MAX_BUCKETS,
    NumericBucketing,
    bucket_label,
    exact,
    format_number,
)
from tests.unit.macro_sql import load, render

TR = NumericBucketing()
CAPE = load()


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


def run_sql(con, args, values, data_type, column="v"):
    """Values go in as text and are cast, so every DuckDB type (HUGEINT too) is reachable."""
    sql = render(CAPE, "numeric-bucketing", args, data_type, column=column)
    con.register("bucket_input", pa.table({"i": pa.array(range(len(values))),
                                           "s": pa.array([as_text(v) for v in values], pa.string())}))
    try:
        return [r[0] for r in con.execute(
            f"select {sql} from (select i, cast(s as {data_type}) as v from bucket_input) order by i").fetchall()]
    finally:
        con.unregister("bucket_input")


def label(value, args):
    return bucket_label(value, TR.validate(args))


def float32(x) -> float:
    return float(np.float32(float(x)))


# --- arguments --------------------------------------------------------------------

@pytest.mark.parametrize(
    "args, field, match",
    [
        ({}, "boundaries", "exactly one of 'size'"),
        ({"size": 10, "boundaries": [1, 2]}, "size", "exactly one of 'size'"),
        ({"size": 0}, "size", "positive"),
        ({"size": -5}, "size", "positive"),
        ({"size": True}, "size", "boolean"),
        ({"size": "10"}, "size", "got a string"),
        ({"size": float("nan")}, "size", "non-finite"),
        ({"size": float("inf")}, "size", "non-finite"),
        ({"boundaries": []}, "boundaries", "non-empty"),
        ({"boundaries": [3, 2]}, "boundaries", "strictly increasing"),
        ({"boundaries": [1, 1]}, "boundaries", "strictly increasing"),
        ({"boundaries": [0.1, 0.1]}, "boundaries", "strictly increasing"),
        ({"boundaries": [1, "2"]}, "boundaries", "finite numbers"),
        ({"boundaries": [1, True]}, "boundaries", "finite numbers"),
        ({"boundaries": [1, float("nan")]}, "boundaries", "finite numbers"),
        ({"boundaries": 5}, "boundaries", "got an integer"),
        ({"boundaries": list(range(1001))}, "boundaries", "at most 1000"),
        ({"boundaries": [1, 2], "lower": 0}, "lower", "go with 'size'"),
        ({"boundaries": [1, 2], "upper": 3}, "upper", "go with 'size'"),
        ({"size": 1, "lower": 5, "upper": 5}, "upper", "greater than lower"),
        ({"size": 1, "lower": 5, "upper": 4.5}, "upper", "greater than lower"),
        ({"size": 10 ** 18}, "size", "too many digits"),
        ({"size": 0.5, "upper": 10 ** 17}, "upper", "too many digits"),  # 10^17 * 10 = 10^18
        ({"boundaries": [1e-20, 1]}, "boundaries", "too many digits"),
        ({"size": 1, "lower": 10 ** 15}, "lower", "less than 1000000000000000 times size"),
        ({"size": 0.001, "lower": -(10 ** 12)}, "lower", "times size away from 0"),
        ({"size": 10, "width": 3}, "width", "unknown argument"),
    ],
)
def test_bad_arguments(args, field, match):
    with pytest.raises(PolicyError, match=match) as info:
        TR.validate(args)
    assert info.value.field == field


def test_accepts_numbers_and_outputs_text():
    assert TR.accepts == frozenset({"integer", "float", "decimal"})
    assert TR.output_type("INTEGER", {}) == "VARCHAR"


@pytest.mark.parametrize(
    "value, text",
    [
        (30, "30"),
        (30.0, "30"),  # integers print without .0
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (0.1, "0.1"),  # the decimal the policy wrote, not the double's expansion
        (1e-7, "0.0000001"),  # never an exponent
        (1e17, "100000000000000000"),
        (-0.0, "0"),  # no negative zero
        (Decimal("12.500"), "12.5"),  # no trailing zeros
        (Decimal("-10"), "-10"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_exact_reads_the_decimal_the_policy_wrote():
    assert exact(0.1) == Decimal("0.1") and exact(3) == Decimal(3) and exact(2.50) == Decimal("2.5")


# --- the reference ----------------------------------------------------------------------

LABELS = [
    # value, args, label
    (34, {"size": 10}, "30-40"),  # the issue's example
    (30, {"size": 10}, "30-40"),  # a bound belongs to the bucket it starts
    (39, {"size": 10}, "30-40"),
    (0, {"size": 10}, "0-10"),
    (-1, {"size": 10}, "-10-0"),
    (-10, {"size": 10}, "-10-0"),
    (-11, {"size": 5}, "-15--10"),  # negative bounds: the separator is the first '-' not at the start
    (17, {"size": 10, "lower": 18, "upper": 65}, "<18"),
    (18, {"size": 10, "lower": 18, "upper": 65}, "18-28"),  # buckets start at lower
    (64, {"size": 10, "lower": 18, "upper": 65}, "58-65"),  # the last bucket ends at upper
    (65, {"size": 10, "lower": 18, "upper": 65}, ">=65"),
    (95, {"size": 10, "upper": 95}, ">=95"),
    (94, {"size": 10, "upper": 95}, "90-95"),
    (-1000, {"size": 10, "upper": 95}, "-1000--990"),  # open bottom tail
    (Decimal("0.35"), {"size": 0.1}, "0.3-0.4"),
    (Decimal("2.5"), {"size": 2.5}, "2.5-5"),
    (Decimal("-0.01"), {"size": 0.25, "lower": -1}, "-0.25-0"),
    (0.3, {"size": 0.1}, "0.3-0.4"),  # a DOUBLE 0.3 is compared with the double of 0.3
    (0.1 + 0.2, {"size": 0.1}, "0.3-0.4"),  # 0.30000000000000004
    (float(np.float32(0.7)), {"size": 0.1}, "0.6-0.7"),  # a FLOAT 0.7 is 0.699999988...
    (float("nan"), {"size": 10}, "NaN"),
    (float("inf"), {"size": 10}, "inf"),
    (float("-inf"), {"size": 10}, "-inf"),
    (float("inf"), {"size": 10, "upper": 100}, ">=100"),
    (float("-inf"), {"size": 10, "lower": 0}, "<0"),
    (5, {"boundaries": [18, 30, 65]}, "<18"),
    (18, {"boundaries": [18, 30, 65]}, "18-30"),
    (64, {"boundaries": [18, 30, 65]}, "30-65"),
    (65, {"boundaries": [18, 30, 65]}, ">=65"),
    (0, {"boundaries": [0]}, ">=0"),  # one boundary: two tails
    (float("nan"), {"boundaries": [0]}, "NaN"),
    (float("inf"), {"boundaries": [0, 1]}, ">=1"),
    (float("-inf"), {"boundaries": [0, 1]}, "<0"),
    (Decimal("-7.5"), {"boundaries": [-10, -5.5, 0.25]}, "-10--5.5"),
    (None, {"size": 10}, None),
    (None, {"boundaries": [1]}, None),
]


@pytest.mark.parametrize("value, args, expected", LABELS)
def test_reference_labels(value, args, expected):
    assert label(value, args) == expected


def test_reference_refuses_values_too_far_out():
    with pytest.raises(OverflowError):
        label(10 ** 15, {"size": 1})
    with pytest.raises(OverflowError):
        label(-(10 ** 14), {"size": 0.1, "upper": 5})  # the open bottom tail
    assert label(10 ** 15 - 1, {"size": 1}) == "999999999999999-1000000000000000"
    assert label(10 ** 20, {"size": 1, "upper": 100}) == ">=100"  # closed tails have no limit
    assert label(-(10 ** 20), {"size": 1, "lower": -100}) == "<-100"


# --- SQL = reference ----------------------------------------------------------------------

def _type_of(value) -> str:
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, Decimal):
        return "DECIMAL(18,4)"
    return "BIGINT"


@pytest.mark.parametrize("value, args, expected", [p for p in LABELS if p[0] is not None])
def test_sql_labels(con, value, args, expected):
    assert run_sql(con, args, [value], _type_of(value)) == [expected]


@pytest.mark.parametrize("args", [{"size": 10}, {"size": 10, "lower": 0, "upper": 100}, {"boundaries": [1, 2]}])
@pytest.mark.parametrize("data_type", ["INTEGER", "DOUBLE", "DECIMAL(5,2)"])
def test_sql_null_stays_null(con, args, data_type):
    assert run_sql(con, args, [None, 1, None], data_type) == [None, label(1, args), None]


def test_sql_far_value_is_an_error_naming_the_column(con):
    with pytest.raises(duckdb.Error, match="numeric-bucketing: a value in column 'income'") as info:
        run_sql(con, {"size": 1}, [5, 10 ** 16 + 12345], "BIGINT", column="income")
    assert "10000000000012345" not in str(info.value)
    assert run_sql(con, {"size": 1}, [10 ** 15 - 1, -(10 ** 15) + 1], "BIGINT") == \
        ["999999999999999-1000000000000000", "-999999999999999--999999999999998"]
    with pytest.raises(duckdb.Error, match="column 'x'"):
        run_sql(con, {"size": 0.5}, [1e300], "DOUBLE", column="x")
    assert run_sql(con, {"size": 0.5, "upper": 10}, [1e300], "DOUBLE") == [">=10"]


def test_sql_unknown_type_from_a_column_macro(con):
    """Without data_type the NaN and infinity branches are kept; integers still work."""
    sql = render(CAPE, "numeric-bucketing", {"size": 10}, None)
    assert "isnan" in sql
    rows = con.execute(f"select {sql} from (values (34), (-1)) t(v)").fetchall()
    assert rows == [("30-40",), ("-10-0",)]


def test_sql_binds_the_value_once(con):
    sql = render(CAPE, "numeric-bucketing", {"size": 0.1}, "DOUBLE", expr="random()")
    rows = con.execute(f"select {sql} from range(300)").fetchall()
    assert all(r[0] in {f"{format_number(Decimal(k) / 10)}-{format_number(Decimal(k + 1) / 10)}"
                        for k in range(10)} for r in rows)


INT_TYPES = {
    "TINYINT": (-128, 127),
    "SMALLINT": (-(2 ** 15), 2 ** 15 - 1),
    "INTEGER": (-(2 ** 31), 2 ** 31 - 1),
    "BIGINT": (-(2 ** 63), 2 ** 63 - 1),
    "UBIGINT": (0, 2 ** 64 - 1),
    "UTINYINT": (0, 255),
    "HUGEINT": (-(10 ** 19), 10 ** 19),  # beyond DECIMAL(38, scale) HUGEINT cannot compare
}

SIZES = st.sampled_from([1, 2, 3, 5, 7, 10, 25, 100, 1000, 0.5, 0.25, 0.1, 2.5, 0.001, 1e-6, 12.75]) | \
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5000), places=3).map(float).filter(lambda x: x > 0)
BOUND = st.integers(-(10 ** 6), 10 ** 6) | \
    st.decimals(min_value=-(10 ** 5), max_value=10 ** 5, places=3).map(float)


@st.composite
def _args(draw):
    if draw(st.booleans()):
        args = {"size": draw(SIZES)}
        if draw(st.booleans()):
            args["lower"] = draw(BOUND)
        if draw(st.booleans()):
            args["upper"] = draw(BOUND)
        if "lower" in args and "upper" in args and exact(args["upper"]) <= exact(args["lower"]):
            args["lower"], args["upper"] = args["upper"], args["lower"]
            assume(exact(args["upper"]) > exact(args["lower"]))
    else:
        bounds = sorted(set(draw(st.lists(BOUND, min_size=1, max_size=6))), key=exact)
        assume(all(exact(a) < exact(b) for a, b in zip(bounds, bounds[1:])))
        args = {"boundaries": bounds}
    try:
        TR.validate(args)
    except PolicyError:
        assume(False)
    return args


def _near_the_limit(value, args) -> bool:
    """Skip values within rounding of 10^15 sizes (the SQL tests that limit in
    double precision, the reference exactly)."""
    if args.get("size") is None or value is None:
        return False
    if isinstance(value, float) and not np.isfinite(value):
        return False
    q = abs(Fraction(value) / Fraction(exact(args["size"])))
    return Fraction(MAX_BUCKETS) * Fraction(9999, 10000) < q < Fraction(MAX_BUCKETS) * Fraction(10001, 10000)


def _check(con, args, values, data_type):
    assume(not any(_near_the_limit(v, args) for v in values))
    try:
        want = [label(v, args) for v in values]
    except OverflowError:
        with pytest.raises(duckdb.Error, match="times size"):
            run_sql(con, args, values, data_type)
        return
    assert run_sql(con, args, values, data_type) == want


@settings(max_examples=150, deadline=None)
@given(args=_args(), data_type=st.sampled_from(sorted(INT_TYPES)), data=st.data())
def test_sql_equals_reference_integers(con, args, data_type, data):
    lo, hi = INT_TYPES[data_type]
    near = [int(exact(b)) for b in args.get("boundaries") or [args.get("lower") or 0, args.get("upper") or 0]]
    values = data.draw(st.lists(st.none() | st.integers(lo, hi) | st.sampled_from(
        [min(max(n + d, lo), hi) for n in near for d in (-1, 0, 1)]), min_size=1, max_size=8))
    _check(con, args, values, data_type)


@settings(max_examples=150, deadline=None)
@given(args=_args(), scale=st.integers(0, 10), data=st.data())
def test_sql_equals_reference_decimals(con, args, scale, data):
    data_type = f"DECIMAL(38,{scale})"
    places = Decimal(1).scaleb(-scale)
    near = [exact(b) for b in args.get("boundaries") or [args.get("lower") or 0, args.get("upper") or 0]]
    values = data.draw(st.lists(
        st.none()
        | st.decimals(min_value=-(10 ** 12), max_value=10 ** 12, places=scale)
        | st.sampled_from([(n + d * places).quantize(places) for n in near for d in (-1, 0, 1)]),
        min_size=1, max_size=8))
    _check(con, args, values, data_type)


@settings(max_examples=150, deadline=None)
@given(args=_args(), data=st.data())
def test_sql_equals_reference_doubles(con, args, data):
    near = [float(exact(b)) for b in args.get("boundaries") or [args.get("lower") or 0, args.get("upper") or 0]]
    values = data.draw(st.lists(
        st.none()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.floats(min_value=-1e7, max_value=1e7)
        | st.sampled_from([np.nextafter(n, d) for n in near for d in (-np.inf, np.inf)] + near),
        min_size=1, max_size=8))
    _check(con, args, [None if v is None else float(v) for v in values], "DOUBLE")


@settings(max_examples=100, deadline=None)
@given(args=_args(), data=st.data())
def test_sql_equals_reference_floats(con, args, data):
    """FLOAT is widened to DOUBLE and compared like a DOUBLE."""
    near = [float32(exact(b)) for b in args.get("boundaries") or [args.get("lower") or 0, args.get("upper") or 0]]
    values = data.draw(st.lists(
        st.none()
        | st.floats(width=32, allow_nan=True, allow_infinity=True)
        | st.floats(min_value=-1e6, max_value=1e6, width=32)
        | st.sampled_from([float(np.nextafter(np.float32(n), np.float32(d)))
                           for n in near for d in (-np.inf, np.inf)] + near),
        min_size=1, max_size=8))
    _check(con, args, values, "FLOAT")
