{% macro render_token_reverser(expr, step, row) -%}
  {{ return(adapter.dispatch('render_token_reverser', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_token_reverser(expr, step, row) -%}
  {{ cape._unsupported('render_token_reverser') }}
{%- endmacro %}

{#- The column name travels with the call so a bad token's error can name it. -#}
{% macro duckdb__render_token_reverser(expr, step, row) -%}
  cape_token_reverse({{ expr }}, {{ cape._sql_string(step.key_id) }}, {{ cape._sql_string(step.column) }})
{%- endmacro %}
