{% macro render_truncation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_truncation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_truncation(expr, step, row) -%}
  {{ cape._unsupported('render_truncation') }}
{%- endmacro %}

{#- Text keeps its first `length` code points; dates and timestamps are cut like
    date-truncation; numbers are cut toward zero to `precision` decimal places.
    Integers and decimals are exact (DuckDB's trunc) and keep their type. Floats
    are trunc(x * 10^p) / 10^p for p >= 0 (values of 2^52 and more are already
    whole) and trunc(x / 10^-p) * 10^-p for p < 0, in double precision. -#}
{% macro duckdb__render_truncation(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- if a.mode == 'text' -%}
  left({{ expr }}, {{ a.length }})
  {%- elif a.mode == 'temporal' -%}
  {{ cape.render_date_truncation(expr, step, row) }}
  {%- elif step.family == 'float' -%}
    {%- set p = a.precision -%}
    {%- set scale = "cast('1e" ~ (p | abs) ~ "' as double)" -%}
    {%- if p >= 0 -%}
  {{ cape._cast("list_transform([" ~ expr ~ "], lambda cape_v: case when abs(cape_v) < cast(4503599627370496 as double) then trunc(cape_v * " ~ scale ~ ") / " ~ scale ~ " else cape_v end)[1]", step.input_type) }}
    {%- else -%}
  {{ cape._cast("trunc(" ~ expr ~ " / " ~ scale ~ ") * " ~ scale, step.input_type) }}
    {%- endif -%}
  {%- elif step.family == 'integer' and a.precision >= 0 -%}
  {{ expr }}
  {%- else -%}
  {{ cape._cast('trunc(' ~ expr ~ ', ' ~ a.precision ~ ')', step.input_type) }}
  {%- endif -%}
{%- endmacro %}
