{#- A column type as Spark spells it in a cast: plan types are the engine's own
    (`int`, `decimal(12,2)`), except the text results of the tokenizers, which
    the plan calls VARCHAR and Spark only knows with a length. -#}
{% macro _spark_type(data_type) -%}
  {%- if data_type is none -%}{{ return(none) }}{%- endif -%}
  {%- if (data_type | string | trim | upper) in ('VARCHAR', 'TEXT', 'STRING') -%}{{ return('string') }}{%- endif -%}
  {{ return(data_type) }}
{%- endmacro %}
