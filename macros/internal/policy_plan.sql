{#- Ask cape_udfs (through the cape_plan function the plugin registers) to load
    the policy and plan it against the relation's columns. The request holds the
    policy path and column names and types; the answer holds key ids, never keys.
    Returns none while dbt parses. -#}
{% macro _policy_plan(relation, policy=none) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set meta = config.get('meta') or {} -%}
  {%- set policy_path = policy or meta.get('cape_policy') -%}
  {%- if not policy_path -%}
    {{ exceptions.raise_compiler_error("cape: no policy for " ~ (model.unique_id if model is defined else 'this call') ~ ": pass one, e.g. cape.apply_policy(ref('raw'), 'policies/x.yml'), or set config(meta={'cape_policy': 'policies/x.yml'})") }}
  {%- endif -%}
  {%- set columns = adapter.get_columns_in_relation(relation) -%}
  {%- if columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("cape: relation " ~ relation ~ " does not exist or has no columns (policy " ~ policy_path ~ ")") }}
  {%- endif -%}
  {%- set pairs = [] -%}
  {%- for c in columns -%}{%- do pairs.append([c.name, c.dtype]) -%}{%- endfor -%}
  {%- set request = {
      'policy': policy_path,
      'project_dir': cape._project_dir(),
      'columns': pairs,
      'relation': relation | string,
      'audit': {'invocation_id': invocation_id, 'model': model.unique_id if model is defined and model is not none else none},
      'options': cape._plan_options(),
  } -%}
  {%- set response = cape._bridge('cape_plan', request) -%}
  {%- for warning in response.plan.warnings or [] -%}
    {%- do exceptions.warn("cape: " ~ warning) -%}
  {%- endfor -%}
  {{ return(response.plan) }}
{%- endmacro %}

{#- The directory of the dbt project that uses the package: policy paths are
    relative to it, wherever dbt is started from. -#}
{% macro _project_dir() -%}
  {{ return(invocation_args_dict.get('project_dir') or '') }}
{%- endmacro %}
