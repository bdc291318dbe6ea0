{% macro render_truncation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_truncation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- Text keeps its first `length` code points and dates and timestamps are cut
    like date-truncation. Numbers are cut toward zero to `precision` decimal
    places: integers and decimals exactly (widened so nothing wraps; the result
    must fit the column's type); floats are trunc(x * 10^p) / 10^p for p >= 0
    (values of 2^52 and more are already whole) and trunc(x / 10^-p) * 10^-p for
    p < 0, in double precision. -#}
{% macro default__render_truncation(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- if a.mode == 'text' -%}
  left({{ expr }}, {{ a.length }})
  {%- elif a.mode == 'temporal' -%}
  {{ cape.render_date_truncation(expr, step, row) }}
  {%- elif step.family == 'float' -%}
    {%- set p = a.precision -%}
    {%- set scale = "cast('1e" ~ (p | abs) ~ "' as double)" -%}
    {%- if p >= 0 -%}
  {{ cape._cast(cape._bind(expr, 'cape_v', 'case when abs(cape_v) < cast(4503599627370496 as double) then ' ~ cape._trunc('cape_v * ' ~ scale) ~ ' / ' ~ scale ~ ' else cape_v end'), step.input_type) }}
    {%- else -%}
  {{ cape._cast(cape._trunc(expr ~ ' / ' ~ scale) ~ ' * ' ~ scale, step.input_type) }}
    {%- endif -%}
  {%- elif step.family == 'integer' and a.precision >= 0 -%}
  {{ expr }}
  {%- else -%}
    {%- set value = cape._exact_integer(expr) if step.family == 'integer' else expr -%}
    {#- DuckDB 2.0 cuts a UBIGINT of 10^19 at precision -19 to 0 (its trunc
        overflows internally); HUGEINT holds every UBIGINT and cuts exactly. -#}
    {%- set value = 'cast(' ~ value ~ ' as hugeint)' if (step.input_type or '') | upper == 'UBIGINT' else value -%}
  {{ cape._fit(cape._trunc(value, a.precision), step.input_type, 'truncation on ' ~ step.column) }}
  {%- endif -%}
{%- endmacro %}
