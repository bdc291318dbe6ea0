{#- The text a value is tokenized, masked or encrypted as: DuckDB's
    cast(x as varchar), which is what cape_udfs' reference functions see.
    `family` is the plan's type family of `sql` ('unknown' for a column macro
    without data_type); text passes as it is. -#}
{% macro _text(sql, family, data_type=none) -%}
  {{ return(adapter.dispatch('_text', 'cape')(sql, family, data_type)) }}
{%- endmacro %}

{% macro default___text(sql, family, data_type=none) -%}
  {{ return(sql if family == 'text' else 'cast(' ~ sql ~ ' as ' ~ cape._text_type() ~ ')') }}
{%- endmacro %}

{#- Spark agrees with DuckDB's text except for decimals with more than six
    decimal places, which it writes in E notation ('0E-10'); those are written
    with exactly their scale by format_number (exact for decimals, US locale)
    without its thousands separators, the scale read from data_type or, when that
    is unknown, from the value's type. -#}
{% macro spark___text(sql, family, data_type=none) -%}
  {{ return(cape._spark_text(sql, family, data_type)) }}
{%- endmacro %}
