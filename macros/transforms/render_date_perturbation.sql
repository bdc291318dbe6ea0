{% macro render_date_perturbation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_date_perturbation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_date_perturbation(expr, step, row) -%}
  {{ cape._unsupported('render_date_perturbation') }}
{%- endmacro %}

{#- Whole units of noise per frequency, summed as seconds; DATE columns are
    shifted as timestamps and cut back to their day. -#}
{% macro duckdb__render_date_perturbation(expr, step, row) -%}
  {%- set parts = [] -%}
  {%- for shift in step.args.shifts -%}
    {%- do parts.append('cast(floor(' ~ shift.min ~ ' + ' ~ (shift.max - shift.min) ~ ' * ' ~ cape._uniform(step, loop.index0, row) ~ ') as bigint) * ' ~ shift.seconds) -%}
  {%- endfor -%}
  {%- set delta = 'to_seconds(' ~ (parts | join(' + ')) ~ ')' -%}
  {%- if step.family == 'date' -%}
  cast(cast({{ expr }} as timestamp) + {{ delta }} as date)
  {%- else -%}
  {{ cape._cast(expr ~ ' + ' ~ delta, step.input_type) }}
  {%- endif -%}
{%- endmacro %}
