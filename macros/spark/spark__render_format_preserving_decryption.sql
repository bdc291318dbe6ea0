{% macro spark__render_format_preserving_decryption(expr, step, row) -%}
  cape_fpe_decrypt({{ cape._spark_text(expr, step.family, step.input_type) }}, {{ cape._spark_string(step.key_id) }}, {{ cape._spark_string(step.args.alphabet) }}, {{ cape._spark_string(step.args.tweak) }}, {{ cape._spark_string(step.args.on_short) }}, {{ cape._spark_string(step.column) }})
{%- endmacro %}
