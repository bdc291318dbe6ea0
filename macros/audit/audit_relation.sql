{#- The audit table's relation, from the cape_audit_* vars. -#}
{% macro audit_relation() -%}
  {{ return(api.Relation.create(
      database=var('cape_audit_database', target.database),
      schema=var('cape_audit_schema', target.schema),
      identifier=var('cape_audit_table', 'cape_audit'))) }}
{%- endmacro %}
