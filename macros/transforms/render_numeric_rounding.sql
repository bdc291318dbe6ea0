{% macro render_numeric_rounding(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_rounding', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_numeric_rounding(expr, step, row) -%}
  {{ cape._unsupported('render_numeric_rounding') }}
{%- endmacro %}

{#- Half to even, exactly as NumPy's round (which cape-dataframes used): floats
    are scaled by 10^precision, rounded to an integer, and scaled back, in
    binary floating point (so -0.05 at precision 1 gives -0.0, like NumPy).
    Integers and decimals round exactly. -#}
{% macro duckdb__render_numeric_rounding(expr, step, row) -%}
  {%- set p = step.args.precision -%}
  {%- if step.family == 'float' -%}
    {%- set scale = "cast('1e" ~ (p | abs) ~ "' as double)" -%}
    {%- if p >= 0 -%}
  cast(round_even({{ expr }} * {{ scale }}, 0) / {{ scale }} as {{ step.input_type }})
    {%- else -%}
  cast(round_even({{ expr }} / {{ scale }}, 0) * {{ scale }} as {{ step.input_type }})
    {%- endif -%}
  {%- else -%}
  {{ cape._cast('round_even(' ~ expr ~ ', ' ~ p ~ ')', step.input_type) }}
  {%- endif -%}
{%- endmacro %}
