"""character-mask: arguments, the reference, and the rendered DuckDB SQL proven
equal to the reference on random unicode (code points, not graphemes)."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.character_mask import CharacterMask, mask
from tests.unit.macro_sql import load, render

TR = CharacterMask()
CAPE = load()


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def run_sql(con, args, values, data_type="VARCHAR", arrow_type=None):
    arrow_type = arrow_type or pa.string()
    sql = render(CAPE, "character-mask", args, data_type)
    con.register("masked_input", pa.table({"i": pa.array(range(len(values))), "v": pa.array(values, arrow_type)}))
    try:
        return [r[0] for r in con.execute(f"select {sql} from masked_input order by i").fetchall()]
    finally:
        con.unregister("masked_input")


# --- arguments -------------------------------------------------------------------

def test_defaults():
    assert TR.validate({}) == {"mask_char": "*", "keep_first": 0, "keep_last": 0, "ignore": ""}


def test_ignore_is_deduplicated_in_order():
    assert TR.validate({"ignore": "-@-.@"})["ignore"] == "-@."


@pytest.mark.parametrize(
    "args, field, match",
    [
        ({"mask_char": ""}, "mask_char", "exactly one character"),
        ({"mask_char": "**"}, "mask_char", "exactly one character"),
        ({"mask_char": "e\u0301"}, "mask_char", "exactly one character"),  # two code points
        ({"mask_char": "\x00"}, "mask_char", "NUL"),
        ({"mask_char": 1}, "mask_char", "got an integer"),
        ({"keep_first": -1}, "keep_first", "from 0"),
        ({"keep_last": -3}, "keep_last", "from 0"),
        ({"keep_last": 1.5}, "keep_last", "got a number"),
        ({"keep_last": True}, "keep_last", "boolean"),
        ({"keep_first": 10 ** 7}, "keep_first", "from 0 to 1000000"),
        ({"ignore": ["-"]}, "ignore", "got a list"),
        ({"ignore": "a\x00"}, "ignore", "NUL"),
        ({"keep": 4}, "keep", "unknown argument"),
    ],
)
def test_bad_arguments(args, field, match):
    with pytest.raises(PolicyError, match=match) as info:
        TR.validate(args)
    assert info.value.field == field


def test_accepts_and_output_type():
    assert TR.accepts == frozenset({"text", "integer", "decimal"})
    assert TR.output_type("BIGINT", {}) == "VARCHAR"


def test_ignore_class_is_escaped_code_points():
    args = TR.plan_args(TR.validate({"ignore": "-]\\😀"}), "text", {})
    assert args["ignore_class"] == "\\x{2d}\\x{5d}\\x{5c}\\x{1f600}"


# --- the reference ------------------------------------------------------------------

EXAMPLES = [
    # value, args, expected
    ("123-45-6789", {"keep_last": 4, "ignore": "-"}, "***-**-6789"),  # the SSN example
    ("4111-1111-1111-1111", {"keep_last": 4, "ignore": "-"}, "****-****-****-1111"),
    ("alice@example.com", {"keep_first": 1, "ignore": "@."}, "a****@*******.***"),
    ("secret", {}, "******"),  # everything
    ("secret", {"mask_char": "#"}, "######"),
    ("", {"keep_last": 4}, ""),  # empty stays empty
    ("abcd", {"keep_last": 4}, "****"),  # not longer than what is kept: masked whole
    ("abc", {"keep_first": 2, "keep_last": 2}, "***"),
    ("abcde", {"keep_first": 2, "keep_last": 2}, "ab*de"),
    ("ab-cd", {"keep_first": 9, "ignore": "-"}, "**-**"),  # ignored characters still show
    ("Zoë", {"keep_first": 1}, "Z**"),  # precomposed ë is one code point
    ("Zoe\u0301", {"keep_first": 1}, "Z***"),  # e + combining accent are two
    ("👍🏽x", {"keep_last": 1}, "**x"),  # emoji with a skin tone: two code points
    ("山田 太郎", {"keep_first": 1, "ignore": " "}, "山* **"),
    ("line1\nline2", {"keep_last": 1}, "**********2"),  # newlines are masked too
]


@pytest.mark.parametrize("value, args, expected", EXAMPLES)
def test_reference_examples(value, args, expected):
    assert mask(value, **TR.validate(args)) == expected


def test_reference_null():
    assert mask(None) is None


@pytest.mark.parametrize("value, args, expected", EXAMPLES)
def test_sql_examples(con, value, args, expected):
    assert run_sql(con, args, [value]) == [expected]


@pytest.mark.parametrize(
    "args",
    [
        {},  # repeat() path
        {"ignore": "-"},  # regexp path
        {"keep_first": 1, "keep_last": 2},  # lambda path
        {"keep_first": 1, "ignore": "-"},
    ],
)
def test_sql_null_stays_null(con, args):
    assert run_sql(con, args, [None, "a-b", None]) == [None, mask("a-b", **TR.validate(args)), None]


@pytest.mark.parametrize("mask_char", ["\\", "$", "&", "'", "\"", "\n", "😀", "]", "%", "_"])
def test_sql_mask_characters_that_are_special_somewhere(con, mask_char):
    for extra in ({}, {"ignore": "-"}, {"keep_first": 1, "ignore": "-"}):
        args = {"mask_char": mask_char, **extra}
        assert run_sql(con, args, ["ab-cd"]) == [mask("ab-cd", **TR.validate(args))]


@pytest.mark.parametrize("ignore", ["]", "^", "\\", "-", "[", "^-]", "\\x{41}", "'", "😀", "a-z"])
def test_sql_ignore_characters_special_in_a_regex_class(con, ignore):
    value = "a-z^]\\[x{41}A'😀q"
    args = {"ignore": ignore}
    assert run_sql(con, args, [value]) == [mask(value, **TR.validate(args))]


@pytest.mark.parametrize(
    "data_type, arrow_type, values",
    [
        ("BIGINT", pa.int64(), [123456789, -42, None, 0]),  # the sign is a character
        ("DECIMAL(8,2)", pa.decimal128(8, 2), [Decimal("-1234.50"), Decimal("0.05"), None]),
    ],
)
def test_sql_non_text_columns_are_masked_as_text(con, data_type, arrow_type, values):
    args = {"keep_last": 2, "ignore": "-."}
    text = [None if v is None else str(v) for v in values]
    assert run_sql(con, args, values, data_type, arrow_type) == [mask(v, **TR.validate(args)) for v in text]


def test_sql_unknown_type_from_a_column_macro(con):
    """Without data_type the value is cast to text (a no-op for text)."""
    sql = render(CAPE, "character-mask", {"keep_last": 1}, None)
    assert "cast(" in sql
    assert con.execute(f"select {sql} from (values ('abc')) t(v)").fetchall() == [("**c",)]


def test_sql_binds_the_value_once(con):
    """A random expression is evaluated once per row, so the kept ends and the
    masked middle come from the same value."""
    sql = render(CAPE, "character-mask", {"keep_first": 1, "keep_last": 1}, "VARCHAR",
                 expr="cast(random() as varchar)")
    rows = con.execute(f"select {sql} from range(200)").fetchall()
    assert all(len(r[0]) >= 3 and r[0][0] == "0" and set(r[0][1:-1]) == {"*"} for r in rows)


# --- the SQL is the reference, on random unicode -------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | \
    st.text(alphabet="ab-.@ \u0301\u00e9😀\n\t\x00", max_size=12)
ARGS = st.fixed_dictionaries({}, optional={
    "mask_char": st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    "keep_first": st.integers(0, 8),
    "keep_last": st.integers(0, 8),
    "ignore": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                      max_size=6) | st.sampled_from(["-", "@.", "\\]^[-", "é\u0301", "😀"]),
})


@settings(max_examples=150, deadline=None)
@given(args=ARGS, values=st.lists(st.none() | TEXT, min_size=1, max_size=8))
def test_sql_equals_reference_on_random_unicode(con, args, values):
    validated = TR.validate(args)
    assert run_sql(con, args, values) == [mask(v, **validated) for v in values]
