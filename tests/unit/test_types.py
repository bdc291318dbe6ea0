"""family_of: engine type names (DuckDB, Spark, Postgres spellings) to type families."""
from __future__ import annotations

import pytest

from cape_udfs import types as t
from cape_udfs.types import family_of


@pytest.mark.parametrize(
    "data_type, family",
    [
        # text
        ("VARCHAR", t.TEXT),  # DuckDB
        ("varchar", t.TEXT),  # lower case
        ("VARCHAR(255)", t.TEXT),  # with length
        ("varchar (255)", t.TEXT),  # space before the parenthesis
        ("TEXT", t.TEXT),  # alias
        ("string", t.TEXT),  # Spark
        ("CHAR(2)", t.TEXT),  # fixed width
        ("BPCHAR", t.TEXT),  # Postgres blank-padded
        ("NVARCHAR(10)", t.TEXT),  # SQL Server
        ("character varying(20)", t.TEXT),  # Postgres long form
        ("  VARCHAR  ", t.TEXT),  # surrounding whitespace
        # integer
        ("INTEGER", t.INTEGER),
        ("int", t.INTEGER),
        ("TINYINT", t.INTEGER),
        ("SMALLINT", t.INTEGER),
        ("BIGINT", t.INTEGER),
        ("HUGEINT", t.INTEGER),  # 128-bit
        ("UBIGINT", t.INTEGER),  # unsigned
        ("UHUGEINT", t.INTEGER),  # unsigned 128-bit
        ("INT8", t.INTEGER),  # Postgres alias
        ("long", t.INTEGER),  # Cape dtype spelling
        ("Short", t.INTEGER),  # Cape dtype spelling
        ("Byte", t.INTEGER),  # Cape dtype spelling
        # float
        ("DOUBLE", t.FLOAT),
        ("double precision", t.FLOAT),  # Postgres long form
        ("FLOAT", t.FLOAT),
        ("REAL", t.FLOAT),
        ("FLOAT4", t.FLOAT),
        ("float8", t.FLOAT),
        # decimal
        ("DECIMAL(12,2)", t.DECIMAL),  # DuckDB
        ("decimal(38, 10)", t.DECIMAL),  # Spark, with a space
        ("NUMERIC", t.DECIMAL),  # no precision
        ("numeric(5)", t.DECIMAL),  # precision only
        # date
        ("DATE", t.DATE),
        ("date", t.DATE),
        # timestamp
        ("TIMESTAMP", t.TIMESTAMP),
        ("TIMESTAMP WITH TIME ZONE", t.TIMESTAMP),  # DuckDB's TIMESTAMPTZ as reported
        ("TIMESTAMPTZ", t.TIMESTAMP),
        ("TIMESTAMP_NS", t.TIMESTAMP),  # nanosecond
        ("TIMESTAMP_MS", t.TIMESTAMP),  # millisecond
        ("TIMESTAMP_S", t.TIMESTAMP),  # second
        ("timestamp_ntz", t.TIMESTAMP),  # Spark
        ("timestamp(6)", t.TIMESTAMP),  # with precision
        ("DATETIME", t.TIMESTAMP),  # MySQL / DuckDB alias
        # other
        ("BOOLEAN", t.OTHER),
        ("BLOB", t.OTHER),
        ("UUID", t.OTHER),
        ("INTERVAL", t.OTHER),
        ("TIME", t.OTHER),  # a time of day is not a timestamp
        ("TIME WITH TIME ZONE", t.OTHER),
        ("JSON", t.OTHER),
        ("INTEGER[]", t.OTHER),  # list
        ("VARCHAR[]", t.OTHER),  # list of text
        ("INTEGER[3]", t.OTHER),  # fixed-size array
        ("STRUCT(a INTEGER, b VARCHAR)", t.OTHER),  # struct
        ("MAP(VARCHAR, INTEGER)", t.OTHER),  # map
        ("ENUM('a', 'b')", t.OTHER),  # enum
        ("DATETIME2", t.OTHER),  # not DuckDB's
        ("", t.OTHER),  # empty
        ("   ", t.OTHER),  # whitespace
        (None, t.OTHER),  # NULL from the engine
    ],
)
def test_family_of(data_type, family):
    assert family_of(data_type) == family


def test_families_are_consistent():
    assert t.NUMERIC == {t.INTEGER, t.FLOAT, t.DECIMAL}
    assert t.TEMPORAL == {t.DATE, t.TIMESTAMP}
    assert t.ANY == t.NUMERIC | t.TEMPORAL | {t.TEXT, t.OTHER}


@pytest.mark.parametrize(
    "data_type",
    [
        "DECIMAL(12,2)[]",  # list of decimals
        "VARCHAR(10)[]",  # list of bounded text
        "DECIMAL(12,2)[3]",  # fixed-size array
        "TIMESTAMP WITH TIME ZONE[]",  # list of timestamps (split at the space)
        "DOUBLE PRECISION[]",  # list of floats
    ],
)
def test_parameterized_lists_are_other(data_type):
    assert family_of(data_type) == t.OTHER
