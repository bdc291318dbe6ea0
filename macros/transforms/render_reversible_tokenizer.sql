{% macro render_reversible_tokenizer(expr, step, row) -%}
  {{ return(adapter.dispatch('render_reversible_tokenizer', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_reversible_tokenizer(expr, step, row) -%}
  {{ cape._unsupported('render_reversible_tokenizer') }}
{%- endmacro %}

{% macro duckdb__render_reversible_tokenizer(expr, step, row) -%}
  cape_reversible_tokenize({{ expr }}, {{ cape._sql_string(step.key_id) }})
{%- endmacro %}
