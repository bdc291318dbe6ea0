"""truncation: per-family arguments checked at plan time, and the rendered
DuckDB SQL proven equal to a Python reference for text, every numeric type,
dates and timestamps."""
from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_DOWN, Decimal, localcontext

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.errors import PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.plan import build_plan
from cape_udfs.policy import parse_policy
from cape_udfs.transforms.truncation import Truncation
from tests.unit.macro_sql import load, render, step_for

TR = Truncation()
CAPE = load()


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def run_sql(con, args, values, data_type, arrow_type=None):
    sql = render(CAPE, "truncation", args, data_type)
    if arrow_type is None:  # in as text, cast: reaches HUGEINT and friends
        column = pa.array([None if v is None else repr(v) if isinstance(v, float) else
                           format(v, "f") if isinstance(v, Decimal) else str(v) for v in values], pa.string())
        source = f"select i, cast(s as {data_type}) as v from truncation_input"
    else:
        column = pa.array(values, arrow_type)
        source = "select i, s as v from truncation_input"
    con.register("truncation_input", pa.table({"i": pa.array(range(len(values))), "s": column}))
    try:
        return [r[0] for r in con.execute(f"select {sql} from ({source}) order by i").fetchall()]
    finally:
        con.unregister("truncation_input")


# --- references ---------------------------------------------------------------------

def trunc_int(x, p):
    if x is None or p >= 0:
        return x
    m = 10 ** -p
    return (abs(x) // m) * m * (1 if x >= 0 else -1)


def trunc_decimal(x: Decimal | None, p: int, scale: int):
    if x is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 100  # DECIMAL(38) and 30 places of precision, exactly
        cut = x.scaleb(p).to_integral_value(rounding=ROUND_DOWN).scaleb(-p)
        return cut.quantize(Decimal(1).scaleb(-scale))


def trunc_float(x: float | None, p: int):
    """The documented formula, in IEEE double like the SQL."""
    if x is None or not math.isfinite(x):
        return x
    s = float(f"1e{abs(p)}")
    if p >= 0:
        return x if abs(x) >= 2.0 ** 52 else math.trunc(x * s) / s
    return math.trunc(x / s) * s


# --- arguments ------------------------------------------------------------------------

def test_needs_at_least_one_argument():
    with pytest.raises(PolicyError, match="give length .*precision .*frequency"):
        TR.validate({})


@pytest.mark.parametrize(
    "args, field, match",
    [
        ({"length": 0}, "length", "from 1"),
        ({"length": -2}, "length", "from 1"),
        ({"length": "3"}, "length", "got a string"),
        ({"precision": 31}, "precision", "from -30 to 30"),
        ({"precision": 1.5}, "precision", "got a number"),
        ({"precision": False}, "precision", "boolean"),
        ({"frequency": "fortnight"}, "frequency", "year, month, day"),
        ({"length": 3, "digits": 2}, "digits", "unknown argument"),
    ],
)
def test_bad_arguments(args, field, match):
    with pytest.raises(PolicyError, match=match) as info:
        TR.validate(args)
    assert info.value.field == field


def test_frequency_is_normalized():
    assert TR.validate({"frequency": "Months"})["frequency"] == "month"


@pytest.mark.parametrize(
    "data_type, args, field",
    [
        ("VARCHAR", {"precision": 2}, "length"),  # text needs length
        ("INTEGER", {"length": 2}, "precision"),
        ("DOUBLE", {"frequency": "day"}, "precision"),
        ("DECIMAL(8,2)", {"length": 3}, "precision"),
        ("DATE", {"precision": 0}, "frequency"),
        ("TIMESTAMP", {"length": 10}, "frequency"),
    ],
)
def test_missing_argument_for_the_family_fails_at_plan_time(data_type, args, field):
    with pytest.raises(PolicyError, match=f"needs '{field}'") as info:
        step_for("truncation", args, data_type)
    assert info.value.field == field


def test_plan_error_names_path_rule_and_column():
    policy = parse_policy("""
version: 1
rules:
  - match: {name: zip}
    actions:
      - transform: {type: truncation, precision: -2}
""", "policies/p.yml")
    with pytest.raises(PolicyError) as info:
        build_plan(policy, [("zip", "VARCHAR")], Keyring(environ={}))
    text = str(info.value)
    assert "policies/p.yml" in text and "column 'zip'" in text and "field 'length'" in text
    assert "truncation of a text column needs 'length'" in text


def test_other_families_arguments_are_allowed_for_named_reuse():
    args = TR.validate({"length": 3, "precision": -1, "frequency": "month"})
    assert step_for("truncation", args, "VARCHAR")["args"]["mode"] == "text"
    assert step_for("truncation", args, "BIGINT")["args"]["mode"] == "number"
    assert step_for("truncation", args, "TIMESTAMP")["args"]["mode"] == "temporal"


@pytest.mark.parametrize(
    "args, mode",
    [({"length": 3}, "text"), ({"precision": 1}, "number"), ({"frequency": "day"}, "temporal")],
)
def test_unknown_type_takes_the_mode_of_the_one_argument(args, mode):
    assert step_for("truncation", args, None)["args"]["mode"] == mode


def test_unknown_type_with_several_arguments_needs_data_type():
    with pytest.raises(PolicyError, match="pass data_type") as info:
        step_for("truncation", {"length": 3, "precision": 1}, None)
    assert info.value.field == "data_type"


def test_refuses_other_types():
    with pytest.raises(PolicyError, match="cannot be applied"):
        step_for("truncation", {"length": 1}, "BOOLEAN")


@pytest.mark.parametrize("data_type", ["VARCHAR", "BIGINT", "DECIMAL(8,2)", "FLOAT", "DATE", "TIMESTAMP"])
def test_output_type_is_the_input_type(data_type):
    args = TR.validate({"length": 2, "precision": 0, "frequency": "year"})
    assert step_for("truncation", args, data_type)["output_type"] == data_type


# --- SQL examples ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, length, expected",
    [
        ("02134", 3, "021"),  # a postal code keeps its leading zero
        ("ab", 5, "ab"),  # shorter than length
        ("", 2, ""),
        ("Zoe\u0301", 3, "Zoe"),  # code points: the combining accent is the 4th
        ("👍🏽x", 1, "👍"),
        ("山田太郎", 2, "山田"),
        (None, 2, None),
    ],
)
def test_sql_text(con, value, length, expected):
    assert run_sql(con, {"length": length}, [value], "VARCHAR", pa.string()) == [expected]


@pytest.mark.parametrize(
    "value, precision, data_type, expected",
    [
        (-17, -1, "INTEGER", -10),  # toward zero, not floor
        (17, -1, "INTEGER", 10),
        (-128, -2, "TINYINT", -100),
        (205, -1, "UTINYINT", 200),
        (123, 2, "INTEGER", 123),  # integers have no decimals to cut
        (9223372036854775807, -18, "BIGINT", 9000000000000000000),
        (123, -30, "BIGINT", 0),
        (Decimal("-17.55"), 1, "DECIMAL(6,2)", Decimal("-17.50")),  # keeps the type's scale
        (Decimal("-17.55"), -1, "DECIMAL(6,2)", Decimal("-10.00")),
        (Decimal("99.99"), -2, "DECIMAL(4,2)", Decimal("0.00")),
        (Decimal("1.5"), 5, "DECIMAL(4,2)", Decimal("1.50")),
        (2.675, 2, "DOUBLE", 2.67),  # 2.675 is 2.67499999... in binary
        (-17.555, 2, "DOUBLE", -17.55),
        (123.456, -1, "DOUBLE", 120.0),
        (1e300, 2, "DOUBLE", 1e300),  # no overflow through x * 10^p
        (2.0 ** 53 + 2, 1, "DOUBLE", 2.0 ** 53 + 2),
        (-0.5, 0, "DOUBLE", -0.0),
    ],
)
def test_sql_numbers(con, value, precision, data_type, expected):
    [got] = run_sql(con, {"precision": precision}, [value], data_type)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("precision", [-2, 0, 3])
def test_sql_float_specials_are_unchanged(con, value, precision):
    [got] = run_sql(con, {"precision": precision}, [value], "DOUBLE")
    assert (math.isnan(got) and math.isnan(value)) or got == value


def test_sql_temporal_is_date_truncation(con):
    for data_type in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
        for unit in ("year", "month", "day", "hour", "minute", "second"):
            ours = render(CAPE, "truncation", {"frequency": unit}, data_type)
            theirs = render(CAPE, "date-truncation", {"frequency": unit}, data_type)
            assert ours == theirs
    rows = run_sql(con, {"frequency": "month"}, [dt.date(2024, 5, 17), None], "DATE", pa.date32())
    assert rows == [dt.date(2024, 5, 1), None]
    rows = run_sql(con, {"frequency": "hour"}, [dt.datetime(2024, 5, 17, 13, 45, 9)], "TIMESTAMP", pa.timestamp("us"))
    assert rows == [dt.datetime(2024, 5, 17, 13, 0)]


def test_sql_unknown_type_uses_duckdb_trunc(con):
    sql = render(CAPE, "truncation", {"precision": -1}, None)
    assert sql == "trunc(v, -1)"
    assert con.execute(f"select {sql} from (values (-17)) t(v)").fetchall() == [(-10,)]


def test_sql_binds_a_float_once(con):
    sql = render(CAPE, "truncation", {"precision": 1}, "DOUBLE", expr="(random() * 10)")
    rows = con.execute(f"select {sql} from range(200)").fetchall()
    assert all(0 <= r[0] < 10 and r[0] * 10 == int(r[0] * 10) for r in rows)


# --- SQL = reference ---------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(length=st.integers(1, 12),
       values=st.lists(st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
                       min_size=1, max_size=8))
def test_sql_text_equals_reference(con, length, values):
    assert run_sql(con, {"length": length}, values, "VARCHAR", pa.string()) == \
        [None if v is None else v[:length] for v in values]


INT_TYPES = {
    "TINYINT": (-128, 127), "SMALLINT": (-(2 ** 15), 2 ** 15 - 1), "INTEGER": (-(2 ** 31), 2 ** 31 - 1),
    "BIGINT": (-(2 ** 63), 2 ** 63 - 1), "HUGEINT": (-(2 ** 127), 2 ** 127 - 1),
    "UTINYINT": (0, 255), "UINTEGER": (0, 2 ** 32 - 1), "UBIGINT": (0, 2 ** 64 - 1),
}


@settings(max_examples=80, deadline=None)
@given(data_type=st.sampled_from(sorted(INT_TYPES)), precision=st.integers(-30, 30), data=st.data())
def test_sql_integers_equal_reference(con, data_type, precision, data):
    lo, hi = INT_TYPES[data_type]
    values = data.draw(st.lists(st.none() | st.integers(lo, hi) | st.sampled_from([lo, hi, 0, -1 if lo else 1]),
                                min_size=1, max_size=8))
    assert run_sql(con, {"precision": precision}, values, data_type) == [trunc_int(v, precision) for v in values]


@settings(max_examples=80, deadline=None)
@given(width=st.integers(1, 38), data=st.data(), precision=st.integers(-30, 30))
def test_sql_decimals_equal_reference(con, width, data, precision):
    scale = data.draw(st.integers(0, width))
    # Unscaled integers, made exact decimals (st.decimals rounds to 28 digits).
    unscaled = st.integers(-(10 ** width - 1), 10 ** width - 1) | st.sampled_from([10 ** width - 1, 1 - 10 ** width])
    values = data.draw(st.lists(st.none() | unscaled.map(lambda i: Decimal(f"{i}E-{scale}")),
                                min_size=1, max_size=8))
    got = run_sql(con, {"precision": precision}, values, f"DECIMAL({width},{scale})")
    assert got == [trunc_decimal(v, precision, scale) for v in values]


@settings(max_examples=80, deadline=None)
@given(precision=st.integers(-30, 30),
       values=st.lists(st.none() | st.floats() | st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=8))
def test_sql_doubles_equal_reference(con, precision, values):
    got = run_sql(con, {"precision": precision}, values, "DOUBLE", pa.float64())
    want = [trunc_float(v, precision) for v in values]
    assert [None if g is None else ("nan" if math.isnan(g) else g) for g in got] == \
        [None if w is None else ("nan" if math.isnan(w) else w) for w in want]


@settings(max_examples=60, deadline=None)
@given(precision=st.integers(-30, 30),
       values=st.lists(st.none() | st.floats(width=32), min_size=1, max_size=8))
def test_sql_floats_equal_reference(con, precision, values):
    got = run_sql(con, {"precision": precision}, values, "FLOAT", pa.float32())
    want = [None if v is None else float(np.float32(trunc_float(v, precision))) for v in values]
    assert [None if g is None else ("nan" if math.isnan(g) else g) for g in got] == \
        [None if w is None else ("nan" if math.isnan(w) else w) for w in want]
