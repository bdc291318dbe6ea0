{% macro spark__render_token_reverser(expr, step, row) -%}
  {%- set text = cape._spark_text(expr, step.family, step.input_type) -%}
  cape_token_reverse({{ text }}, {{ cape._spark_string(step.key_id) }}, {{ cape._spark_string(step.column) }})
{%- endmacro %}
