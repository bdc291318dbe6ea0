{#- The policy's select list only (every output column, in order, with its
    expression), so a model can write its own FROM, JOIN and WHERE. `alias`
    qualifies the input columns, e.g. alias='e' renders e."email". -#}
{% macro sanitized_columns(relation, policy=none, alias=none) -%}
  {{ return(adapter.dispatch('sanitized_columns', 'cape')(relation, policy, alias)) }}
{%- endmacro %}

{% macro default__sanitized_columns(relation, policy=none, alias=none) -%}
  {%- set plan = cape._policy_plan(relation, policy) -%}
  {%- if plan is none -%}
    {{ return((alias ~ '.*') if alias else '*') }}
  {%- endif -%}
  {{ return(cape._render_select_list(plan, alias)) }}
{%- endmacro %}
