{% macro render_tokenizer(expr, step, row) -%}
  {{ return(adapter.dispatch('render_tokenizer', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_tokenizer(expr, step, row) -%}
  {{ cape._unsupported('render_tokenizer') }}
{%- endmacro %}

{#- HMAC-SHA256 (or cape-legacy) in Python over Arrow batches; non-text columns
    are tokenized in their canonical text form. -#}
{% macro duckdb__render_tokenizer(expr, step, row) -%}
  {%- set text = expr if step.family == 'text' else 'cast(' ~ expr ~ ' as varchar)' -%}
  {%- set token = 'cape_tokenize(' ~ text ~ ', ' ~ cape._sql_string(step.key_id) ~ ', ' ~ cape._sql_string(step.args.algorithm) ~ ')' -%}
  {%- if step.args.max_token_len < 64 -%}left({{ token }}, {{ step.args.max_token_len }}){%- else -%}{{ token }}{%- endif -%}
{%- endmacro %}
