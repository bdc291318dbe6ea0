"""format-preserving-encryption / -decryption: arguments, shape, short values,
round trips (unicode alphabets, separators) and the DuckDB functions."""
from __future__ import annotations

import base64
import random
import time

import duckdb
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cape_udfs.duckdb_functions import register
from cape_udfs.errors import CapeError, PolicyError
from cape_udfs.kernels.ff1 import FF1, MAX_NUMERALS
from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url
from cape_udfs.plan import build_plan
from cape_udfs.policy import parse_policy
from cape_udfs.transforms import get_transform
from cape_udfs.transforms.format_preserving import (
    FormatPreservingDecryption,
    FormatPreservingEncryption,
    FormatPreservingError,
    format_preserving,
    fpe_decrypt,
    fpe_encrypt,
    min_length,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ENC = FormatPreservingEncryption()
DEC = FormatPreservingDecryption()


def enc(values, **kw):
    return fpe_encrypt(pa.array(values, type=pa.string()), kw.pop("key", KEY), **kw).to_pylist()


def dec(values, **kw):
    return fpe_decrypt(pa.array(values, type=pa.string()), kw.pop("key", KEY), **kw).to_pylist()


# --- arguments ---------------------------------------------------------------

def test_registered_under_their_policy_names():
    assert isinstance(get_transform("format-preserving-encryption"), FormatPreservingEncryption)
    assert isinstance(get_transform("format-preserving-decryption"), FormatPreservingDecryption)


def test_defaults():
    assert ENC.validate({}) == {"alphabet": "0123456789", "tweak": "", "on_short": "error"}
    assert DEC.validate({"key": "ignored here"})["on_short"] == "error"


@pytest.mark.parametrize(
    "args, field, match",
    [
        ({"alphabet": "0"}, "alphabet", "at least 2"),  # radix 1
        ({"alphabet": ""}, "alphabet", "at least 2"),
        ({"alphabet": "0123456789012"}, "alphabet", "distinct"),
        ({"alphabet": "ab\ncd"}, "alphabet", "control"),  # a newline would be a silent symbol
        ({"alphabet": "ab\x00"}, "alphabet", "control"),
        ({"alphabet": 123}, "alphabet", "got an integer"),
        ({"alphabet": "".join(chr(0x4E00 + i) for i in range(65537))}, "alphabet", "at most 65536"),
        ({"tweak": "x" * 257}, "tweak", "at most 256"),
        ({"tweak": "é" * 129}, "tweak", "at most 256"),  # 258 bytes in UTF-8
        ({"tweak": "a\x00b"}, "tweak", "NUL"),
        ({"tweak": 5}, "tweak", "got an integer"),
        ({"on_short": "keep"}, "on_short", "error, mask, null"),  # no raw pass-through option
        ({"on_short": True}, "on_short", "boolean"),
        ({"on_short": "mask", "alphabet": "*0123456789"}, "on_short", "must not be in the alphabet"),
        ({"radix": 10}, "radix", "unknown argument"),
    ],
)
def test_bad_arguments(args, field, match):
    for tr in (ENC, DEC):
        with pytest.raises(PolicyError, match=match) as info:
            tr.validate(args)
        assert info.value.field == field


def test_large_unicode_alphabet_is_allowed():
    alphabet = "".join(chr(0x4E00 + i) for i in range(20000))
    assert ENC.validate({"alphabet": alphabet})["alphabet"] == alphabet


def test_accepts_text_only_and_outputs_varchar():
    assert ENC.accepts == frozenset({"text"})
    assert ENC.output_type("VARCHAR", {}) == "VARCHAR"


@pytest.mark.parametrize("size, ok", [(16, True), (24, True), (32, True), (15, False), (48, False), (64, False)])
def test_key_check(size, ok):
    problem = ENC.key_check(bytes(size))
    assert (problem is None) is ok
    if not ok:
        assert "16, 24 or 32 bytes" in problem


def test_inline_key_of_wrong_size_fails_at_policy_load_without_echoing_it():
    secret = encode_base64url(b"s" * 20)
    text = f"""
version: 1
rules:
  - match: {{name: card}}
    actions:
      - transform: {{type: format-preserving-encryption, key: {{type: secret, value: {secret}}}}}
"""
    with pytest.raises(PolicyError, match="16, 24 or 32 bytes") as info:
        parse_policy(text, "policies/p.yml")
    message = str(info.value)
    assert "policies/p.yml" in message and "rule 1" in message and "field 'key'" in message
    assert secret not in message and "ssss" not in message


def test_env_key_of_wrong_size_fails_at_plan_time():
    policy = parse_policy("""
version: 1
rules:
  - match: {name: card}
    actions:
      - transform: {type: format-preserving-encryption, key: {type: env, name: PAY_KEY}}
""", "p.yml")
    keyring = Keyring(environ={"PAY_KEY": encode_base64url(bytes(64))})
    with pytest.raises(PolicyError, match="16, 24 or 32 bytes.*got 64"):
        build_plan(policy, [("card", "VARCHAR")], keyring)
    ok = build_plan(policy, [("card", "VARCHAR")], Keyring(environ={"PAY_KEY": encode_base64url(bytes(24))}))
    step = ok["columns"][0]["steps"][0]
    assert step["key_id"] == "env:PAY_KEY" and step["macro"] == "render_batch_function"
    assert step["call"]["function"] == "cape_fpe_encrypt"
    assert step["args"] == {"alphabet": "0123456789", "tweak": "", "on_short": "error"}


def test_non_text_column_is_refused_at_plan_time():
    policy = parse_policy("""
version: 1
rules:
  - match: {name: card}
    actions:
      - transform: {type: format-preserving-encryption}
""", "p.yml")
    keyring = Keyring(environ={"CAPE_DEFAULT_KEY": encode_base64url(KEY)})
    with pytest.raises(PolicyError, match="cannot be applied to column 'card' of type BIGINT"):
        build_plan(policy, [("card", "BIGINT")], keyring)


# --- values ------------------------------------------------------------------

def test_card_number_keeps_its_shape():
    [out] = enc(["4111-1111-1111-1111"])
    assert out != "4111-1111-1111-1111"
    assert [i for i, c in enumerate(out) if c == "-"] == [4, 9, 14]
    assert out.replace("-", "").isdigit() and len(out) == 19
    assert dec([out]) == ["4111-1111-1111-1111"]


def test_separators_do_not_change_the_encryption_of_the_numerals():
    """The alphabet characters are one numeral string wherever the separators are."""
    plain, dashed, spaced = enc(["4111111111111111", "4111-1111-1111-1111", " 4111 1111 1111 1111 "])
    assert dashed.replace("-", "") == plain == spaced.replace(" ", "")


@pytest.mark.parametrize(
    "value",
    [
        "123456",  # the shortest decimal value FF1 takes
        "000000",  # leading zeros are numerals like any other
        "+1 (555) 010-9999",  # a phone number
        "ab12cd34ef56",  # separators that are letters
        "١٢٣456789",  # Arabic-Indic digits are not in the alphabet: they stay
        "12\n34\t56",  # control characters stay
        "1" * 4096,  # the longest value taken (past _INT_STR_DIGITS, so the digit loops run)
    ],
)
def test_round_trip_examples(value):
    [out] = enc([value])
    assert len(out) == len(value)
    assert [c for c in out if not c.isascii() or not c.isdigit()] == \
           [c for c in value if not c.isascii() or not c.isdigit()]
    assert dec([out]) == [value]


def test_deterministic_and_keyed():
    values = ["4111-1111-1111-1111", "5500 0000 0000 0004"]
    assert enc(values) == enc(values)
    assert enc(values, key=OTHER_KEY) != enc(values)
    assert enc(values, tweak="customers") != enc(values)
    assert dec(enc(values, tweak="customers"), tweak="customers") == values


def test_wrong_key_decrypts_to_a_wrong_value_without_error():
    """FF1 is not authenticated: this is the documented behaviour, not a feature."""
    out = enc(["4111111111111111"])
    wrong = dec(out, key=OTHER_KEY)
    assert wrong != ["4111111111111111"] and wrong[0].isdigit() and len(wrong[0]) == 16


def test_tampering_is_not_detected():
    [out] = enc(["4111111111111111"])
    tampered = ("1" if out[0] != "1" else "2") + out[1:]
    [back] = dec([tampered])
    assert back != "4111111111111111" and back.isdigit() and len(back) == 16


@pytest.mark.parametrize(
    "values",
    [
        [],  # empty batch
        [None],  # only NULL
        [None, "123456", None],  # NULLs around a value
    ],
)
def test_null_stays_null(values):
    out = enc(values)
    assert [v is None for v in out] == [v is None for v in values]
    assert dec(out) == values


# --- short values --------------------------------------------------------------

SHORT = ["", "12345", "ab-12", "N/A", "١٢٣٤٥٦٧"]  # fewer than six alphabet characters each


@pytest.mark.parametrize("value", SHORT)
@pytest.mark.parametrize("crypt, name", [(enc, "encryption"), (dec, "decryption")])
def test_short_value_is_an_error_naming_the_column_not_the_value(value, crypt, name):
    with pytest.raises(FormatPreservingError, match=f"format-preserving-{name}: a value in column 'card'") as info:
        crypt(["4111111111111111", value], column="card")
    err = info.value
    assert isinstance(err, CapeError)
    text = f"{err!s} {err!r}"
    if len(value) > 2:
        assert value not in text
    assert "4111111111111111" not in text
    for encoding in (KEY.hex(), base64.urlsafe_b64encode(KEY).decode().rstrip("=")):
        assert encoding not in text
    assert "at least 6" in text and "on_short" in text


@pytest.mark.parametrize(
    "value, masked",
    [
        ("", ""),  # nothing to mask
        ("12345", "*****"),
        ("ab-12", "ab-**"),  # separators stay
        ("N/A", "N/A"),  # no alphabet characters at all
    ],
)
def test_short_value_masked(value, masked):
    assert enc([value], on_short="mask") == [masked]
    assert dec([value], on_short="mask") == [masked]


@pytest.mark.parametrize("value", SHORT)
def test_short_value_nulled(value):
    assert enc([value, "123456"], on_short="null")[0] is None
    assert dec([value], on_short="null") == [None]


def test_min_length_per_radix():
    assert min_length(10) == 6
    assert min_length(2) == 20
    assert min_length(36) == 4
    assert min_length(1000) == 2
    assert min_length(65536) == 2


def test_short_depends_on_the_alphabet():
    """Four letters of a 26-letter alphabet is 456976 < 10^6: short; five is not."""
    lower = "abcdefghijklmnopqrstuvwxyz"
    with pytest.raises(FormatPreservingError):
        enc(["abcd"], alphabet=lower)
    [out] = enc(["ab-cde"], alphabet=lower)
    assert out[2] == "-" and dec([out], alphabet=lower) == ["ab-cde"]


# --- properties ------------------------------------------------------------------

ALPHABETS = st.sampled_from([
    "0123456789",
    "0123456789abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "01",
    "αβγδεζηθικλμνξοπρστυφχψω",  # Greek
    "あいうえおかきくけこ",  # hiragana, radix 10 but not digits
    "😀😁😂🤣😃😄😅😆😉😊😋😎",  # astral-plane code points
    "e\u0301",  # a letter and a combining accent are two symbols
    "\\]^-[*",  # characters special in a regex class
    "".join(chr(0x4E00 + i) for i in range(3000)),  # radix 3000, the integer loop
    "".join(chr(0x20000 + i) for i in range(40)),  # beyond the lookup table (CJK extension B)
])


@st.composite
def _values(draw):
    alphabet = draw(ALPHABETS)
    shortest = min_length(len(alphabet))
    numerals = st.text(alphabet=alphabet, min_size=shortest, max_size=shortest + 25)
    separators = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4).filter(
        lambda s: not set(s) & set(alphabet))
    def one():
        core = draw(numerals)
        # Put separator runs at random places of the numeral string.
        cuts = sorted(draw(st.lists(st.integers(0, len(core)), max_size=4)))
        parts, last = [], 0
        for cut in cuts:
            parts += [core[last:cut], draw(separators)]
            last = cut
        parts.append(core[last:])
        return "".join(parts)
    values = [one() for _ in range(draw(st.integers(1, 6)))]
    return alphabet, values


@settings(max_examples=120, deadline=None)
@given(case=_values(), tweak=st.text(max_size=20).filter(lambda s: "\x00" not in s),
       key=st.sampled_from([bytes(16), bytes(range(24)), KEY]))
def test_round_trip_keeps_every_other_character(case, tweak, key):
    alphabet, values = case
    out = fpe_encrypt(pa.array(values), key, alphabet, tweak).to_pylist()
    for value, cipher in zip(values, out):
        assert len(cipher) == len(value)
        for a, b in zip(value, cipher):
            assert (a in alphabet) == (b in alphabet)
            if a not in alphabet:
                assert a == b
    assert fpe_decrypt(pa.array(out), key, alphabet, tweak).to_pylist() == values


@settings(max_examples=60, deadline=None)
@given(case=_values())
def test_equals_ff1_on_the_numeral_string(case):
    """The string layer adds nothing: the numerals are exactly FF1's."""
    alphabet, values = case
    ff1 = FF1(KEY, len(alphabet))
    out = fpe_encrypt(pa.array(values), KEY, alphabet).to_pylist()
    for value, cipher in zip(values, out):
        numerals = [alphabet.index(c) for c in value if c in alphabet]
        assert ff1.encrypt(numerals) == [alphabet.index(c) for c in cipher if c in alphabet]


@settings(max_examples=120, deadline=None)
@given(case=_values(), on_short=st.sampled_from(["mask", "null"]), decrypt=st.booleans(), data=st.data())
def test_matrix_and_value_paths_agree(case, on_short, decrypt, data):
    """Batches of short strings take the NumPy path; it must equal the per-value one."""
    alphabet, values = case
    # Short values (masked or nulled), NULLs and text without alphabet characters.
    extra = data.draw(st.lists(st.none() | st.text(alphabet=alphabet[:40] + "-/ x", max_size=8)
                               | st.text(max_size=8), max_size=5))
    values = data.draw(st.permutations(values + extra))
    assume(all(v is None or "\x00" not in v for v in values))
    array = pa.array(values, pa.string())
    args = (KEY, alphabet, "t", on_short, "c")
    by_matrix = format_preserving(array, *args, decrypt=decrypt).to_pylist()
    by_value = format_preserving(array, *args, decrypt=decrypt, vectorized=False).to_pylist()
    assert by_matrix == by_value


@pytest.mark.parametrize(
    "values",
    [
        ["4111-1111-1111-1111", "1" * 65],  # a value longer than the matrix path takes
        ["4111-1111-1111-1111", "12\x00345678"],  # NUL: the matrix would lose a trailing one
        ["1234567\x00"],
    ],
)
def test_batches_the_matrix_path_does_not_take(values):
    out = enc(values)
    assert [len(v) for v in out] == [len(v) for v in values]
    assert dec(out) == values


def test_short_error_from_the_matrix_path_too():
    for vectorized in (True, False):
        with pytest.raises(FormatPreservingError, match="column 'c'"):
            format_preserving(pa.array(["123456", "1"]), KEY, column="c", vectorized=vectorized)


# --- long values: FF1's cost grows faster than the length, so numerals are capped ----------

LONG = "1234567890" * 500  # 5,000 numerals


@pytest.mark.parametrize("crypt, name", [(enc, "encryption"), (dec, "decryption")])
@pytest.mark.parametrize("value", [LONG, "-".join(LONG[i:i + 4] for i in range(0, len(LONG), 4))])
def test_long_value_is_an_error_naming_the_column_not_the_value(crypt, name, value):
    with pytest.raises(FormatPreservingError, match=f"format-preserving-{name}: a value in column 'card' "
                                                    "has 5000 alphabet characters, more than FF1 takes here "
                                                    r"\(at most 4096\)") as info:
        crypt(["4111111111111111", value], column="card")
    text = f"{info.value!s} {info.value!r}"
    assert "12345678" not in text and "4111111111111111" not in text


def test_the_cap_counts_numerals_not_characters():
    at_cap = "7" * MAX_NUMERALS
    assert dec(enc([at_cap])) == [at_cap]
    spaced = " ".join(at_cap[i:i + 4] for i in range(0, MAX_NUMERALS, 4))  # 5,119 characters
    out = enc([spaced])[0]
    assert len(out) == len(spaced) and out.count(" ") == spaced.count(" ")
    with pytest.raises(FormatPreservingError, match="at most 4096"):
        enc([at_cap + "7"])


def test_a_million_digits_fail_fast():
    # Before the cap this value took about 15 minutes (issue #12).
    started = time.perf_counter()
    with pytest.raises(FormatPreservingError, match="column 'big'"):
        enc(["9" * 1_000_000], column="big")
    assert time.perf_counter() - started < 5


def test_ff1_itself_refuses_more_than_the_cap():
    with pytest.raises(ValueError, match="at most 4096 numerals"):
        FF1(KEY, 10).crypt_ints(MAX_NUMERALS + 1, [0])


# --- through DuckDB -------------------------------------------------------------------

@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    register(connection, Keyring(environ={"CAPE_DEFAULT_KEY": encode_base64url(KEY)}))
    yield connection
    connection.close()


def test_duckdb_functions_over_several_batches(con):
    rng = random.Random(7)
    cards = [None if i % 97 == 0 else "-".join(f"{rng.randrange(10 ** 4):04d}" for _ in range(4))
             for i in range(5000)]  # three DuckDB vectors of 2048
    con.register("cards", pa.table({"id": pa.array(range(len(cards))), "card": pa.array(cards, pa.string())}))
    rows = con.execute("""
        select id, card, cape_fpe_encrypt(card, 'env:CAPE_DEFAULT_KEY', '0123456789', 't', 'error', 'card') as enc
        from cards order by id""").fetchall()
    assert [r[2] for r in rows] == fpe_encrypt(pa.array(cards, pa.string()), KEY, tweak="t").to_pylist()
    back = con.execute("""
        select cape_fpe_decrypt(cape_fpe_encrypt(card, 'env:CAPE_DEFAULT_KEY', '0123456789', 't', 'error', 'card'),
                                'env:CAPE_DEFAULT_KEY', '0123456789', 't', 'error', 'card')
        from cards order by id""").fetchall()
    assert [r[0] for r in back] == cards


def test_duckdb_short_value_error_names_the_column(con):
    with pytest.raises(duckdb.Error, match="column 'credit_card'") as info:
        con.execute("select cape_fpe_encrypt(v, 'env:CAPE_DEFAULT_KEY', '0123456789', '', 'error', 'credit_card') "
                    "from (values ('4111111111111111'), ('98765')) t(v)").fetchall()
    assert "98765" not in str(info.value)


def test_duckdb_long_value_error_names_the_column(con):
    with pytest.raises(duckdb.Error, match="column 'account' has 5000 alphabet characters") as info:
        con.execute("select cape_fpe_encrypt(v, 'env:CAPE_DEFAULT_KEY', '0123456789', '', 'error', 'account') "
                    "from (values ('4111111111111111'), (?)) t(v)", [LONG]).fetchall()
    assert "12345678" not in str(info.value)


def test_duckdb_short_value_mask_and_null(con):
    rows = con.execute("select cape_fpe_encrypt(v, 'env:CAPE_DEFAULT_KEY', '0123456789', '', 'mask', 'c'), "
                       "cape_fpe_encrypt(v, 'env:CAPE_DEFAULT_KEY', '0123456789', '', 'null', 'c') "
                       "from (values ('12-34'), (NULL)) t(v)").fetchall()
    assert rows == [("**-**", None), (None, None)]
