{% macro render_numeric_perturbation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_perturbation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_numeric_perturbation(expr, step, row) -%}
  {{ cape._unsupported('render_numeric_perturbation') }}
{%- endmacro %}

{#- Integer columns get whole-number noise in [int_min, int_max); others
    continuous noise in [min, max). Casting back keeps the type; an overflow fails. -#}
{% macro duckdb__render_numeric_perturbation(expr, step, row) -%}
  {%- set u = cape._uniform(step, 0, row) -%}
  {%- if step.family == 'integer' -%}
  cast({{ expr }} + cast(floor({{ step.args.int_min }} + {{ step.args.int_max - step.args.int_min }} * {{ u }}) as bigint) as {{ step.input_type }})
  {%- else -%}
  {{ cape._cast(expr ~ ' + (' ~ step.args.min ~ ' + (' ~ step.args.max ~ ' - (' ~ step.args.min ~ ')) * ' ~ u ~ ')', step.input_type) }}
  {%- endif -%}
{%- endmacro %}
