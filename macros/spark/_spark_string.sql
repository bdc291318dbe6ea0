{#- A Spark SQL string literal. Spark reads backslash escapes inside quotes
    (cape._sql_string only doubles quotes), so a backslash is escaped too. -#}
{% macro _spark_string(text) -%}
  {{ return("'" ~ (text | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'") }}
{%- endmacro %}
