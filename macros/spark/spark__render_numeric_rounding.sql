{#- NumPy's round, as on DuckDB: floats are scaled by 10^precision, rounded half
    to even to an integer with rint (Java's Math.rint, which keeps the sign of
    zero as NumPy does) and scaled back, in binary floating point. Integers and
    decimals round exactly with bround, in decimal(38) so nothing wraps, and must
    fit their type. -#}
{% macro spark__render_numeric_rounding(expr, step, row) -%}
  {%- set p = step.args.precision -%}
  {%- if step.family == 'float' -%}
    {%- set scale = "cast('1e" ~ (p | abs) ~ "' as double)" -%}
    {%- if p >= 0 -%}
  cast(rint({{ expr }} * {{ scale }}) / {{ scale }} as {{ step.input_type }})
    {%- else -%}
  cast(rint({{ expr }} / {{ scale }}) * {{ scale }} as {{ step.input_type }})
    {%- endif -%}
  {%- elif step.family == 'integer' -%}
  {{ cape._spark_fit('bround(cast(' ~ expr ~ ' as decimal(38, 0)), ' ~ p ~ ')', step.input_type, 'numeric-rounding on ' ~ step.column) }}
  {%- elif step.family == 'decimal' -%}
  {{ cape._spark_fit('bround(' ~ expr ~ ', ' ~ p ~ ')', step.input_type, 'numeric-rounding on ' ~ step.column) }}
  {%- else -%}
  bround({{ expr }}, {{ p }})
  {%- endif -%}
{%- endmacro %}
