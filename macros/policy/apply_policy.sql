{#- The whole sanitizing SELECT for a relation: every output column with its
    policy expression, in input order, and the policy's row filter. With no
    policy argument the model's meta.cape_policy is used. -#}
{% macro apply_policy(relation, policy=none) -%}
  {{ return(adapter.dispatch('apply_policy', 'cape')(relation, policy)) }}
{%- endmacro %}

{% macro default__apply_policy(relation, policy=none) -%}
  {%- set plan = cape._policy_plan(relation, policy) -%}
  {%- if plan is none -%}
select * from {{ relation }}
  {%- else -%}
  {%- set body -%}
select
  {{ cape._render_select_list(plan, none) }}
from {{ relation }}
where {{ cape._render_row_filter(plan, none) }}
  {%- endset -%}
{{ cape._audit_marker(plan, relation, body) }}
{{ body }}
  {%- endif -%}
{%- endmacro %}
