{#- A SQL comment that apply_policy puts at the top of the model's compiled
    code: the model id, the source relation and the plan summary (label, path,
    digest, applied transforms; never keys). cape.write_audit reads it back
    from the results of the run, so nothing is stored while a model compiles
    and a model that fails never reaches the audit table. -#}
{% macro _audit_marker(plan, relation) -%}
  {%- if model is not defined or model is none or not model.get('unique_id') -%}{{ return('') }}{%- endif -%}
  {%- set entry = {
      'model': model.unique_id,
      'source': {
          'database': relation.database,
          'schema': relation.schema,
          'identifier': relation.identifier,
          'name': relation | string,
      },
      'label': plan.label,
      'path': plan.path,
      'digest': plan.digest,
      'applied': plan.applied,
  } -%}
  {#- '*/' inside the JSON would end the comment early; '\/' is JSON for '/'. -#}
  {{ return(cape._audit_marker_prefix() ~ tojson(entry).replace('*/', '*\\/') ~ ' */') }}
{%- endmacro %}

{% macro _audit_marker_prefix() -%}
  {{ return('/* cape-audit ') }}
{%- endmacro %}
