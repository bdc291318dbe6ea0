{% macro spark___text_type() -%}
  {{ return('string') }}
{%- endmacro %}

{% macro spark___array_literal(items) -%}
  {{ return('array(' ~ (items | join(', ')) ~ ')') }}
{%- endmacro %}
