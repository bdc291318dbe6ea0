"""Using cape in your own SQL: select lists, row filters, column macros, named keys."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

NAMED_KEY_B64 = "Zm9yLXRoZS1jdXN0b21lcnMtdGVhbS0wMTIzNDU2Nzg"

EVENTS_V1 = """\
event_id,email,amount,kind,loaded_at
1,alice@example.com,10.25,view,2024-01-01 00:00:00
2,bob@example.com,99.5,buy,2024-01-01 00:00:00
3,carol@example.com,5.5,test,2024-01-01 00:00:00
"""
EVENTS_V2 = EVENTS_V1 + """\
4,dave@example.com,7.75,buy,2024-01-02 00:00:00
5,erin@example.com,1.5,test,2024-01-02 00:00:00
"""

POLICY = """\
version: 1
rules:
  - match: {name: email}
    actions:
      - transform: {type: tokenizer, key: {type: named, name: customers}}
  - match: {name: amount}
    actions:
      - transform: {type: numeric-rounding, precision: 0}
  - match: {name: kind}
    actions:
      - transform: {type: row-redact, condition: "kind = 'test'"}
"""

SEED_YML = """\
version: 2
seeds:
  - name: raw_events
    config:
      column_types: {event_id: integer, email: varchar, amount: double, kind: varchar, loaded_at: timestamp}
  - name: raw_orders
    config:
      column_types: {order_id: integer, email: varchar, total: double}
"""


@pytest.fixture
def proj(make_project):
    p = make_project(env={"CUSTOMERS_KEY": NAMED_KEY_B64},
                     plugin_config={"keys": {"customers": {"env": "CUSTOMERS_KEY"},
                                             "customers32": {"env": "CUSTOMERS32_KEY"}}})
    p.write("seeds/raw_events.csv", EVENTS_V1)
    p.write("seeds/raw_orders.csv",
            "order_id,email,total\n1,alice@example.com,3.5\n2,bob@example.com,4.5\n3,zed@example.com,1\n")
    p.write("seeds/schema.yml", SEED_YML)
    p.write("policies/events.yml", POLICY)
    p.write("policies/orders.yml", """
        version: 1
        rules:
          - match: {name: email}
            actions:
              - transform: {type: tokenizer, key: {type: named, name: customers}}
    """)
    return p


def test_incremental_model_with_sanitized_columns(proj):
    proj.write("models/events_clean.sql", """
        {{ config(materialized='incremental', unique_key='event_id', incremental_strategy='delete+insert') }}
        select {{ cape.sanitized_columns(ref('raw_events'), 'policies/events.yml', alias='e') }}
        from {{ ref('raw_events') }} e
        where {{ cape.redaction_filter(ref('raw_events'), 'policies/events.yml', alias='e') }}
        {% if is_incremental() %}
          and e.loaded_at > (select max(loaded_at) from {{ this }})
        {% endif %}
    """)
    proj.dbt("build")
    first = dict(proj.sql("select event_id, email from events_clean"))
    assert set(first) == {1, 2}  # the test event is filtered
    proj.write("seeds/raw_events.csv", EVENTS_V2)
    proj.dbt("seed")
    proj.dbt("run")
    second = dict(proj.sql("select event_id, email from events_clean"))
    assert set(second) == {1, 2, 4}
    assert {k: second[k] for k in first} == first  # unchanged rows keep their tokens
    raw_emails = {r[0] for r in proj.sql("select email from raw_events")}
    assert not raw_emails & set(second.values())
    assert proj.sql("select amount from events_clean where event_id = 4") == [(8.0,)]


def test_join_on_tokens_equals_tokenizing_after_the_raw_join(proj):
    proj.write("models/events_clean.sql", "{{ cape.apply_policy(ref('raw_events'), 'policies/events.yml') }}")
    proj.write("models/orders_clean.sql", "{{ cape.apply_policy(ref('raw_orders'), 'policies/orders.yml') }}")
    proj.write("models/joined_clean.sql", """
        select e.event_id, o.order_id, e.email from {{ ref('events_clean') }} e
        join {{ ref('orders_clean') }} o on o.email = e.email
    """)
    proj.write("models/joined_raw.sql", """
        select e.event_id, o.order_id, {{ cape.tokenize('e.email', key='customers') }} as email
        from {{ ref('raw_events') }} e join {{ ref('raw_orders') }} o on o.email = e.email
        where {{ cape.redaction_filter(ref('raw_events'), 'policies/events.yml', alias='e') }}
    """)
    proj.dbt("build")
    clean = proj.sql("select * from joined_clean order by 1, 2")
    assert clean and clean == proj.sql("select * from joined_raw order by 1, 2")


def test_column_macros_match_the_policy_path(proj):
    proj.write("models/events_policy.sql", "{{ cape.apply_policy(ref('raw_events'), 'policies/events.yml') }}")
    proj.write("models/events_macros.sql", """
        select event_id,
               {{ cape.tokenize('email', key='customers') }} as email,
               {{ cape.round_number('amount', 0, data_type='DOUBLE') }} as amount,
               {{ cape.reversible_tokenize('email', key='customers32') }} as rt,
               {{ cape.detokenize(cape.reversible_tokenize('email', key='customers32'), key='customers32') }} as back,
               {{ cape.truncate_date('loaded_at', 'month') }} as month,
               {{ cape.perturb_number('amount', -1, 1, seed=3) }} as noisy,
               {{ cape.perturb_date('loaded_at', 'day', -2, 2) }} as shifted
        from {{ ref('raw_events') }}
        where kind <> 'test'
    """)
    proj.env["CUSTOMERS32_KEY"] = "a" * 43  # 32 bytes for AES-SIV
    proj.dbt("build")
    policy = proj.sql("select event_id, email, amount from events_policy order by 1")
    macros = proj.sql("select event_id, email, amount, rt, back, email is not null from events_macros order by 1")
    assert [r[:3] for r in macros] == policy
    raw = dict(proj.sql("select event_id, email from raw_events"))
    for row in macros:
        assert row[4] == raw[row[0]] and len(row[3]) == 32 + 2 * len(raw[row[0]])


def test_undeclared_key_name_fails_at_compile_time_listing_declared_names(proj):
    proj.write("models/bad.sql",
               "select {{ cape.tokenize('email', key='custmers') }} as t from {{ ref('raw_events') }}")
    out = proj.dbt("build", expect_ok=False).output
    assert "key name 'custmers' is not declared" in out and "declared: customers" in out
    assert "Traceback" not in out
