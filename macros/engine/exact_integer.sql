{#- An integer value widened so that arithmetic on it (adding noise, rounding,
    cutting digits) gives the exact result or an error, never a wrapped one;
    _fit then narrows it back. DuckDB's integer arithmetic already fails on
    overflow. -#}
{% macro _exact_integer(sql) -%}
  {{ return(adapter.dispatch('_exact_integer', 'cape')(sql)) }}
{%- endmacro %}

{% macro default___exact_integer(sql) -%}
  {{ return(sql) }}
{%- endmacro %}

{#- Spark with ANSI mode off (dbt-spark's) wraps integer overflow; DECIMAL(38, 0)
    holds any sum of two bigints. -#}
{% macro spark___exact_integer(sql) -%}
  {{ return('cast(' ~ sql ~ ' as decimal(38, 0))') }}
{%- endmacro %}
