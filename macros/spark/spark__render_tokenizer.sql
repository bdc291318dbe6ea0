{#- The same Arrow function as on DuckDB, as a Spark vectorized UDF; non-text
    columns are tokenized in DuckDB's text form of them (cape._spark_text). -#}
{% macro spark__render_tokenizer(expr, step, row) -%}
  {%- set text = cape._spark_text(expr, step.family, step.input_type) -%}
  {%- set token = 'cape_tokenize(' ~ text ~ ', ' ~ cape._spark_string(step.key_id) ~ ', ' ~ cape._spark_string(step.args.algorithm) ~ ')' -%}
  {%- if step.args.max_token_len < 64 -%}left({{ token }}, {{ step.args.max_token_len }}){%- else -%}{{ token }}{%- endif -%}
{%- endmacro %}
