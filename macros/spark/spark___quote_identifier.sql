{#- Spark SQL: backticks, a backtick doubled. -#}
{% macro spark___quote_identifier(name) -%}
  {{ return('`' ~ (name | string).replace('`', '``') ~ '`') }}
{%- endmacro %}
