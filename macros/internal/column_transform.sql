{#- Render one transform on one expression for the column-level macros. The
    step is built by cape_udfs with the policy path's validation; `key` is a key
    name declared in the plugin config (none: the default key). -#}
{% macro _column_transform(macro_name, transform, expr, args, key=none, data_type=none) -%}
  {%- if not execute -%}{{ return(expr) }}{%- endif -%}
  {%- set request = {
      'transform': transform,
      'macro': macro_name,
      'args': args,
      'key': key,
      'data_type': data_type,
      'column': (expr | string)[:80],
      'options': cape._plan_options(),
  } -%}
  {%- set response = cape._bridge('cape_column_step', request) -%}
  {{ return(cape[response.step.macro](expr, response.step, expr) | trim) }}
{%- endmacro %}

{#- cast(sql as type), or sql itself when the type is unknown. -#}
{% macro _cast(sql, data_type) -%}
  {{ return(('cast(' ~ sql ~ ' as ' ~ data_type ~ ')') if data_type else sql) }}
{%- endmacro %}
