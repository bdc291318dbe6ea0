{#- Kept only for the Spark UDF renderers (tokenizers, FPE) that are being
    moved onto cape._text; remove with them. -#}
{% macro _spark_text(sql, family, data_type=none) -%}
  {{ return(cape.spark___text(sql, family, data_type)) }}
{%- endmacro %}
