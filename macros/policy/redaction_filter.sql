{#- The policy's row-redact conditions as one boolean expression that keeps the
    allowed rows (`true` when the policy has none). NULL conditions keep the row. -#}
{% macro redaction_filter(relation, policy=none, alias=none) -%}
  {{ return(adapter.dispatch('redaction_filter', 'cape')(relation, policy, alias)) }}
{%- endmacro %}

{% macro default__redaction_filter(relation, policy=none, alias=none) -%}
  {%- set plan = cape._policy_plan(relation, policy) -%}
  {%- if plan is none -%}{{ return('true') }}{%- endif -%}
  {{ return(cape._render_row_filter(plan, alias)) }}
{%- endmacro %}
