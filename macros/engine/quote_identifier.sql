{#- An identifier quoted with the engine's own escaping. dbt's adapter.quote()
    wraps a name in quotes without escaping the quote character inside it, so a
    column named `a" as "b` would close the identifier early and rewrite the
    SELECT; every identifier cape renders goes through here instead. -#}
{% macro _quote_identifier(name) -%}
  {{ return(adapter.dispatch('_quote_identifier', 'cape')(name)) }}
{%- endmacro %}

{#- Standard SQL (DuckDB, Postgres, Snowflake): double quotes, a double quote doubled. -#}
{% macro default___quote_identifier(name) -%}
  {{ return('"' ~ (name | string).replace('"', '""') ~ '"') }}
{%- endmacro %}
{#- Spark SQL: backticks, a backtick doubled. -#}
{% macro spark___quote_identifier(name) -%}
  {{ return('`' ~ (name | string).replace('`', '``') ~ '`') }}
{%- endmacro %}
