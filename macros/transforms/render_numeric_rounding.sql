{% macro render_numeric_rounding(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_rounding', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_numeric_rounding(expr, step, row) -%}
  {{ cape._unsupported('render_numeric_rounding') }}
{%- endmacro %}

{#- round_even is half-to-even, as NumPy/pandas round (cape-dataframes). -#}
{% macro duckdb__render_numeric_rounding(expr, step, row) -%}
  cast(round_even({{ expr }}, {{ step.args.precision }}) as {{ step.input_type }})
{%- endmacro %}
