{#- Kept only for the Spark UDF renderers (tokenizers, FPE) that are being
    moved onto cape._string_literal; remove with them. -#}
{% macro _spark_string(text) -%}
  {{ return(cape.spark___string_literal(text)) }}
{%- endmacro %}
