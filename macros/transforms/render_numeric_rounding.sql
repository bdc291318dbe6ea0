{% macro render_numeric_rounding(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_rounding', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- Half to even, exactly as NumPy's round (which cape-dataframes used): floats
    are scaled by 10^precision, rounded to a whole number keeping the sign of
    zero, and scaled back, in binary floating point (so -0.05 at precision 1
    gives -0.0, like NumPy). Integers and decimals round exactly, widened so
    nothing wraps, and must fit their type. -#}
{% macro default__render_numeric_rounding(expr, step, row) -%}
  {%- set p = step.args.precision -%}
  {%- if step.family == 'float' -%}
    {%- set scale = "cast('1e" ~ (p | abs) ~ "' as double)" -%}
    {%- if p >= 0 -%}
  cast({{ cape._round_half_even(expr ~ ' * ' ~ scale) }} / {{ scale }} as {{ step.input_type }})
    {%- else -%}
  cast({{ cape._round_half_even(expr ~ ' / ' ~ scale) }} * {{ scale }} as {{ step.input_type }})
    {%- endif -%}
  {%- else -%}
    {%- set value = cape._exact_integer(expr) if step.family == 'integer' else expr -%}
  {{ cape._fit(cape._round_half_even(value, p), step.input_type, 'numeric-rounding on ' ~ step.column) }}
  {%- endif -%}
{%- endmacro %}
