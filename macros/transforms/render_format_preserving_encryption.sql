{% macro render_format_preserving_encryption(expr, step, row) -%}
  {{ return(adapter.dispatch('render_format_preserving_encryption', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_format_preserving_encryption(expr, step, row) -%}
  {{ cape._unsupported('render_format_preserving_encryption') }}
{%- endmacro %}

{#- FF1 in Python over Arrow batches. The alphabet and tweak are not secret;
    the column name travels with the call so a short value's error can name it. -#}
{% macro duckdb__render_format_preserving_encryption(expr, step, row) -%}
  cape_fpe_encrypt({{ expr }}, {{ cape._sql_string(step.key_id) }}, {{ cape._sql_string(step.args.alphabet) }}, {{ cape._sql_string(step.args.tweak) }}, {{ cape._sql_string(step.args.on_short) }}, {{ cape._sql_string(step.column) }})
{%- endmacro %}
