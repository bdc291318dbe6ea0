"""format-preserving encryption, character-mask, numeric-bucketing and
truncation through real dbt: a policy, the column macros, NULL / empty /
unicode / negative / short rows, an FPE round trip, and the errors."""
from __future__ import annotations

import base64
import datetime as dt
import time
from decimal import Decimal

import pyarrow as pa
import pytest

from cape_udfs.keys import encode_base64url
from cape_udfs.transforms.character_mask import mask
from cape_udfs.transforms.format_preserving import fpe_encrypt
from cape_udfs.transforms.numeric_bucketing import NumericBucketing, bucket_label
from tests.integration.conftest import DEFAULT_KEY_B64

pytestmark = pytest.mark.integration

PAYMENTS_KEY = bytes(range(40, 72))  # 32 bytes: AES-256 for FF1

# The input, typed, with the rows seeds cannot express ('' next to NULL, NaN).
CASES = """
{{ config(materialized='table') }}
select * from (values
  (1, '4111-1111-1111-1111', '123-45-6789', 'Alice', 34, 52000.5::double, 10.25::decimal(10,2), '02134', \
timestamp '2021-05-06 07:08:09'),
  (2, '5500 0000 0000 0004', '987-65-4321', 'Zoë', 71, -3.5::double, -17.55::decimal(10,2), '10115', \
timestamp '2022-12-31 23:59:59'),
  (3, null, null, null, null, null, null, null, null),
  (4, '', '', '', 0, 0.0::double, 0.00::decimal(10,2), '', timestamp '2020-02-29 12:00:00'),
  (5, '12-34', '12', '山田 太郎', 17, 'nan'::double, -0.01::decimal(10,2), '1', timestamp '1999-01-01 00:00:00'),
  (6, '٣٤٥٦ 9999-8888-7777-6666', 'e\u0301-😀-1234', 'Zoe' || chr(769), 68, 'inf'::double, \
99999.99::decimal(10,2), '😀😀😀😀', timestamp '2024-05-17 13:45:09')
) t(id, card, ssn, name, age, income, balance, zip, seen_at)
"""

POLICY = """
label: new-transforms
version: 1
transformations:
  - name: cut
    type: truncation
    length: 3
    frequency: month
rules:
  - match: {name: card}
    actions:
      - transform: {type: format-preserving-encryption, key: {type: named, name: payments}, \
tweak: cards, on_short: mask}
  - match: {name: ssn}
    actions:
      - transform: {type: character-mask, keep_last: 4, ignore: "-"}
  - match: {name: name}
    actions:
      - transform: {type: truncation, length: 4}
      - transform: {type: character-mask, keep_first: 1}
  - match: {name: age}
    actions:
      - transform: {type: numeric-bucketing, size: 10, lower: 18, upper: 68}
  - match: {name: income}
    actions:
      - transform: {type: numeric-bucketing, boundaries: [-10, 0, 25000.5, 100000]}
  - match: {name: balance}
    actions:
      - transform: {type: truncation, precision: -1}
  - match: {name: zip}
    actions:
      - transform: {name: cut}
  - match: {name: seen_at}
    actions:
      - transform: {name: cut}
"""

REVEAL = """
version: 1
rules:
  - match: {name: card}
    actions:
      - transform: {type: format-preserving-decryption, key: {type: named, name: payments}, \
tweak: cards, on_short: mask}
"""

MACROS = """
select id,
  {{ cape.encrypt_format_preserving('card', key='payments', tweak='cards', on_short='mask') }} as card,
  {{ cape.mask_characters('ssn', keep_last=4, ignore='-') }} as ssn,
  {{ cape.mask_characters(cape.truncate_value('name', length=4), keep_first=1) }} as name,
  {{ cape.bucket_number('age', size=10, lower=18, upper=68) }} as age,
  {{ cape.bucket_number('income', boundaries=[-10, 0, 25000.5, 100000], data_type='DOUBLE') }} as income,
  {{ cape.truncate_value('balance', precision=-1, data_type='DECIMAL(10,2)') }} as balance,
  {{ cape.truncate_value('zip', length=3) }} as zip,
  {{ cape.truncate_value('seen_at', frequency='month', data_type='TIMESTAMP') }} as seen_at
from {{ ref('cases') }}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("new_transforms") / "analytics",
                      env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64, "PAYMENTS_KEY": encode_base64url(PAYMENTS_KEY)},
                      plugin_config={"keys": {"payments": {"env": "PAYMENTS_KEY"}}})
    proj.write("models/cases.sql", CASES)
    proj.write("policies/new.yml", POLICY)
    proj.write("policies/reveal.yml", REVEAL)
    proj.write("policies/strict.yml", """
        version: 1
        rules:
          - match: {name: card}
            actions:
              - transform: {type: format-preserving-encryption, key: {type: named, name: payments}}
    """)
    proj.write("policies/no_length.yml", """
        version: 1
        rules:
          - match: {name: zip}
            actions:
              - transform: {type: truncation, precision: 2}
    """)
    proj.write("models/cases_policy.sql", "{{ cape.apply_policy(ref('cases'), 'policies/new.yml') }}")
    proj.write("models/cases_revealed.sql", "{{ cape.apply_policy(ref('cases_policy'), 'policies/reveal.yml') }}")
    proj.write("models/cases_macros.sql", MACROS)
    proj.write("models/cases_macro_round_trip.sql", """
        select id, card,
          {{ cape.decrypt_format_preserving(cape.encrypt_format_preserving('card', key='payments', on_short='null'),
                                            key='payments', on_short='null') }} as back
        from {{ ref('cases') }}
    """)
    # Built only by the tests that expect them to fail.
    proj.write("models/bad/bad_short.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('cases'), 'policies/strict.yml') }}")
    proj.write("models/long_accounts.sql", """
        {{ config(materialized='table') }}
        select 1 as id, '4111111111111111' as account union all select 2, repeat('1234567890', 500)
    """)
    proj.write("policies/long.yml", """
        version: 1
        rules:
          - match: {name: account}
            actions:
              - transform: {type: format-preserving-encryption, key: {type: named, name: payments}}
    """)
    proj.write("models/bad/bad_long.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('long_accounts'), 'policies/long.yml') }}")
    proj.write("models/bad/bad_no_length.sql", "{{ cape.apply_policy(ref('cases'), 'policies/no_length.yml') }}")
    proj.dbt("run", "--exclude", "path:models/bad")
    return proj


def by_id(proj, model):
    return {r[0]: r for r in proj.sql(f"select * from {model} order by id")}


def test_card_is_encrypted_keeping_its_shape(built):
    raw = by_id(built, "cases")
    out = by_id(built, "cases_policy")
    expected = fpe_encrypt(pa.array([raw[i][1] for i in sorted(raw)], pa.string()), PAYMENTS_KEY,
                           tweak="cards", on_short="mask").to_pylist()
    assert [out[i][1] for i in sorted(out)] == expected
    first = out[1][1]
    assert first != "4111-1111-1111-1111" and len(first) == 19 and first[4::5] == "---"
    assert out[2][1][4::5] == "   "
    assert out[3][1] is None  # NULL in, NULL out
    assert out[4][1] == ""  # empty: short, masked to nothing
    assert out[5][1] == "**-**"  # short: masked, never passed through
    assert out[6][1].startswith("٣٤٥٦ ")  # Arabic-Indic digits are not in the alphabet


def test_fpe_round_trip_through_dbt(built):
    raw = by_id(built, "cases")
    revealed = by_id(built, "cases_revealed")
    for i in (1, 2, 3, 6):
        assert revealed[i][1] == raw[i][1]
    assert revealed[5][1] == "**-**"  # what was masked stays masked
    trip = built.sql("select id, card, back from cases_macro_round_trip order by id")
    for _, card, back in trip:
        digits = sum(c.isascii() and c.isdigit() for c in card or "")
        assert back == (card if digits >= 6 else None)


def test_masks(built):
    raw = by_id(built, "cases")
    out = by_id(built, "cases_policy")
    for i in raw:
        assert out[i][2] == mask(raw[i][2], keep_last=4, ignore="-")
        name = raw[i][3]
        assert out[i][3] == mask(None if name is None else name[:4], keep_first=1)
    assert out[1][2] == "***-**-6789"
    assert out[1][3] == "A***"
    assert out[6][3] == "Z***"  # 'Zoe' + combining accent: cut to four code points


def test_buckets(built):
    raw = by_id(built, "cases")
    out = by_id(built, "cases_policy")
    tr = NumericBucketing()
    ages = tr.validate({"size": 10, "lower": 18, "upper": 68})
    incomes = tr.validate({"boundaries": [-10, 0, 25000.5, 100000]})
    for i in raw:
        assert out[i][4] == bucket_label(raw[i][4], ages)
        assert out[i][5] == bucket_label(raw[i][5], incomes)
    assert [out[i][4] for i in range(1, 7)] == ["28-38", ">=68", None, "<18", "<18", ">=68"]
    assert [out[i][5] for i in range(1, 7)] == ["25000.5-100000", "-10-0", None, "0-25000.5", "NaN", ">=100000"]


def test_truncations(built):
    out = by_id(built, "cases_policy")
    assert [out[i][6] for i in range(1, 7)] == [
        Decimal("10.00"), Decimal("-10.00"), None, Decimal("0.00"), Decimal("0.00"), Decimal("99990.00")]
    assert [out[i][7] for i in range(1, 7)] == ["021", "101", None, "", "1", "😀😀😀"]
    assert out[1][8] == dt.datetime(2021, 5, 1) and out[3][8] is None
    types = dict(built.sql("select column_name, data_type from information_schema.columns "
                           "where table_name = 'cases_policy'"))
    assert types["balance"] == "DECIMAL(10,2)" and types["seen_at"] == "TIMESTAMP"
    assert types["age"] == "VARCHAR" and types["card"] == "VARCHAR"


def test_column_macros_match_the_policy(built):
    assert built.sql("select * from cases_macros order by id") == built.sql("select * from cases_policy order by id")


def test_short_value_fails_naming_the_column_not_the_value(built):
    out = built.dbt("run", "--select", "bad_short", expect_ok=False).output
    assert "format-preserving-encryption: a value in column 'card'" in out
    assert "on_short" in out
    assert "12-34" not in out
    assert not built.table_exists("bad_short")


def test_long_value_fails_fast_naming_the_column_not_the_value(built):
    # 5,000 digits: over the 4,096-numeral cap (FF1's cost grows faster than the length).
    started = time.monotonic()
    out = built.dbt("run", "--select", "bad_long", expect_ok=False).output
    assert time.monotonic() - started < 120
    assert ("format-preserving-encryption: a value in column 'account' has 5000 alphabet characters, "
            "more than FF1 takes here (at most 4096)") in out
    assert "1234567890" not in out and "4111111111111111" not in out
    assert not built.table_exists("bad_long")


def test_missing_family_argument_fails_at_compile_time(built):
    out = built.dbt("run", "--select", "bad_no_length", expect_ok=False).output
    assert "policies/no_length.yml" in out and "rule 1 (column 'zip')" in out
    assert "truncation of a text column needs 'length'" in out
    assert "Traceback" not in out


def test_no_key_material_in_compiled_sql_or_logs(built):
    forms = {PAYMENTS_KEY.hex(), encode_base64url(PAYMENTS_KEY), base64.b64encode(PAYMENTS_KEY).decode()}
    for path in list((built.root / "target").rglob("*")) + list((built.root / "logs").rglob("*")):
        if path.is_file():
            text = path.read_bytes()
            assert PAYMENTS_KEY not in text, path
            assert not any(form.encode() in text for form in forms), path
    compiled = (built.root / "target" / "compiled").rglob("cases_policy.sql")
    sql = next(compiled).read_text()
    assert "named:payments" in sql and "cape_fpe_encrypt" in sql and "list_transform" in sql
