{#- A SQL comment that apply_policy puts at the top of the model's compiled
    code: the model id, the source relation and the plan summary (label, path,
    digest, applied transforms; never keys), sealed by the planner for this
    invocation and followed by the SELECT it describes (its md5 and length are
    in the marker). cape.write_audit reads it back from the results of the run,
    so nothing is stored while a model compiles and a model that fails never
    reaches the audit table; a copied marker does not verify. -#}
{% macro _audit_marker(plan, relation, body) -%}
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
      'seal': plan.seal,
      'body_md5': local_md5(body),
      'body_length': body | length,
  } -%}
  {#- '*/' inside the JSON would end the comment early; '\/' is JSON for '/'. -#}
  {{ return(cape._audit_marker_prefix() ~ tojson(entry).replace('*/', '*\\/') ~ ' */') }}
{%- endmacro %}

{#- The facts a marker's seal covers (see cape_udfs/audit_seal.py), as the hook
    of this invocation sees them: a marker of another invocation does not verify. -#}
{% macro _audit_facts(marker) -%}
  {{ return({
      'invocation_id': invocation_id,
      'model': marker.get('model'),
      'relation': (marker.get('source') or {}).get('name'),
      'label': marker.get('label'),
      'path': marker.get('path'),
      'digest': marker.get('digest'),
      'applied': marker.get('applied'),
  }) }}
{%- endmacro %}

{% macro _audit_marker_prefix() -%}
  {{ return('/* cape-audit ') }}
{%- endmacro %}
