{#- A uniform number in [0, 1). Fresh per run, or with a seed a function of
    the seed, the step and the row's input values, so reruns repeat whatever
    the thread count. 53 bits of the hash keep the result below 1. -#}
{% macro _uniform(step, index, row) -%}
  {{ return(adapter.dispatch('_uniform', 'cape')(step, index, row)) }}
{%- endmacro %}

{% macro default___uniform(step, index, row) -%}
  {{ cape._unsupported('_uniform') }}
{%- endmacro %}

{% macro duckdb___uniform(step, index, row) -%}
  {%- if step.args.seed is none -%}
    {{ return('random()') }}
  {%- endif -%}
  {{ return('(cast(hash(' ~ step.args.seed ~ ', ' ~ cape._sql_string(step.salt ~ ':' ~ index) ~ ', ' ~ row ~ ') >> 11 as double) / 9007199254740992.0)') }}
{%- endmacro %}
