{#- Spark passes UDF arguments as they are typed, so an expression of unknown
    type (column-level macros) is cast to text, as DuckDB's VARCHAR parameter does. -#}
{% macro spark__render_reversible_tokenizer(expr, step, row) -%}
  {%- set text = cape._spark_text(expr, step.family, step.input_type) -%}
  cape_reversible_tokenize({{ text }}, {{ cape._spark_string(step.key_id) }})
{%- endmacro %}
