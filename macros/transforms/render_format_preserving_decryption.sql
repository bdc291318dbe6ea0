{% macro render_format_preserving_decryption(expr, step, row) -%}
  {{ return(adapter.dispatch('render_format_preserving_decryption', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_format_preserving_decryption(expr, step, row) -%}
  {{ cape._unsupported('render_format_preserving_decryption') }}
{%- endmacro %}

{#- The inverse of format-preserving-encryption with the same key, alphabet and
    tweak. FF1 is not authenticated: a wrong key gives a wrong value, not an error. -#}
{% macro duckdb__render_format_preserving_decryption(expr, step, row) -%}
  cape_fpe_decrypt({{ expr }}, {{ cape._sql_string(step.key_id) }}, {{ cape._sql_string(step.args.alphabet) }}, {{ cape._sql_string(step.args.tweak) }}, {{ cape._sql_string(step.args.on_short) }}, {{ cape._sql_string(step.column) }})
{%- endmacro %}
