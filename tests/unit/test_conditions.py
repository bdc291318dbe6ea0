"""Row-redact conditions are parsed by DuckDB's parser and refused unless they are one expression."""
from __future__ import annotations

import duckdb
import pytest

from cape_udfs.conditions import checked_condition
from cape_udfs.errors import PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.plan import build_plan, check_column_names
from cape_udfs.policy import parse_policy

ACCEPTED = [
    "age > 50",  # a comparison
    "age > 50 or age is null",  # NULL handling spelled out
    "status in ('closed', 'banned')",  # a list, not a subquery
    "email like '%;%' or note = 'a -- b /* c */'",  # ';' and comment markers inside strings are data
    "age > 50 -- a trailing comment",  # ended by the newline the renderer adds
    "coalesce(\"odd\"\"name\", 0) = 1",  # an escaped quoted identifier
    "list_contains(tags, 'vip')",  # function calls
    "case when age > 1 then true else false end",
    "error('policy files are code') is null",  # documented: any scalar function may run
]

REFUSED = [
    "false) is not true union all select id, email from main.raw where (false",  # the breakout
    "age > 50 union all select 1",  # a set operation
    "exists (select 1 from raw)",  # EXISTS
    "id in (select id from raw)",  # IN subquery
    "(select max(age) from raw) > 1",  # scalar subquery
    "1 from raw",  # a FROM clause
    "true where false",  # a WHERE clause
    "true order by 1",  # modifiers
    "true limit 0",
    "true group by 1",
    "true as x",  # an alias
    "a, b",  # two expressions
    "true; drop table raw",  # a second statement
    "true; select 1",
    "with x as (select 1) select true",  # a CTE
    "age > ",  # does not parse
    "'unclosed",
    "/* unclosed comment",
    "true\x00",  # NUL
]


@pytest.mark.parametrize("condition", ACCEPTED)
def test_accepted_conditions_render_as_one_parenthesized_expression(condition):
    rendered = checked_condition(condition, "duckdb")
    assert rendered == "(" + condition + "\n)"
    # It really is one boolean expression DuckDB can evaluate in a WHERE clause.
    con = duckdb.connect()
    con.execute("create table raw as select 60 as age, 'x@y' as email, 'n' as note, 'open' as status, "
                "1 as \"odd\"\"name\", ['vip'] as tags")
    if "error(" not in condition:
        con.execute(f"select count(*) from raw where {rendered} is not true").fetchall()


@pytest.mark.parametrize("condition", REFUSED)
def test_refused_conditions_name_the_field_and_do_not_echo(condition):
    with pytest.raises(PolicyError) as info:
        checked_condition(condition, "duckdb")
    assert info.value.field == "condition"
    if len(condition.strip()) > 6:
        assert condition.strip() not in str(info.value)


def test_planner_refuses_a_breakout_naming_policy_rule_and_field():
    policy = parse_policy("""
rules:
  - match: {name: email}
    actions:
      - transform: {type: row-redact, condition: "false) is not true union all select email from raw where (false"}
""", path="policies/p.yml")
    with pytest.raises(PolicyError) as info:
        build_plan(policy, [("email", "VARCHAR")], Keyring(environ={}), options={"engine": "duckdb"})
    message = str(info.value)
    assert message.startswith("policy policies/p.yml, rule 1") and "field 'condition'" in message
    assert "union all" not in message


@pytest.mark.parametrize("names, position", [
    (["id", "bad\nname"], 2),  # newline
    (["nul\x00", "id"], 1),  # NUL
    (["id", "x", "esc\x1b[31m"], 3),  # terminal escape
    (["id", ""], 2),  # empty
])
def test_control_characters_in_column_names_are_refused_by_position(names, position):
    with pytest.raises(PolicyError, match=f"column {position} of raw has") as info:
        check_column_names(names, "raw")
    assert names[position - 1] == "" or names[position - 1] not in str(info.value)


def test_quotes_and_backticks_in_names_are_fine_for_the_planner():
    check_column_names(['id" as "a', "x`y", "émail"], "raw")
