{#- Text keeps its first `length` code points and dates and timestamps are cut
    like date-truncation, the same SQL on every engine; numbers dispatch. -#}
{% macro render_truncation(expr, step, row) -%}
  {%- if step.args.mode == 'text' -%}
    {{ return('left(' ~ expr ~ ', ' ~ step.args.length ~ ')') }}
  {%- elif step.args.mode == 'temporal' -%}
    {{ return(cape.render_date_truncation(expr, step, row)) }}
  {%- endif -%}
  {{ return(adapter.dispatch('_truncate_number', 'cape')(expr, step)) }}
{%- endmacro %}

{% macro default___truncate_number(expr, step) -%}
  {{ cape._unsupported('_truncate_number') }}
{%- endmacro %}

{#- Numbers are cut toward zero to `precision` decimal places.
    Integers and decimals are exact (DuckDB's trunc) and keep their type. Floats
    are trunc(x * 10^p) / 10^p for p >= 0 (values of 2^52 and more are already
    whole) and trunc(x / 10^-p) * 10^-p for p < 0, in double precision. -#}
{% macro duckdb___truncate_number(expr, step) -%}
  {%- set a = step.args -%}
  {%- if step.family == 'float' -%}
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
