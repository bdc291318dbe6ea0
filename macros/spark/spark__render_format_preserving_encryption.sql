{#- FF1 through the same Arrow function as on DuckDB (a Spark vectorized UDF). -#}
{% macro spark__render_format_preserving_encryption(expr, step, row) -%}
  cape_fpe_encrypt({{ cape._spark_text(expr, step.family, step.input_type) }}, {{ cape._spark_string(step.key_id) }}, {{ cape._spark_string(step.args.alphabet) }}, {{ cape._spark_string(step.args.tweak) }}, {{ cape._spark_string(step.args.on_short) }}, {{ cape._spark_string(step.column) }})
{%- endmacro %}
