{#- A list of the SQL expressions `items`. -#}
{% macro _array_literal(items) -%}
  {{ return(adapter.dispatch('_array_literal', 'cape')(items)) }}
{%- endmacro %}

{% macro default___array_literal(items) -%}
  {{ return('[' ~ (items | join(', ')) ~ ']') }}
{%- endmacro %}

{#- Spark has no bracket literal; array() builds one. -#}
{% macro spark___array_literal(items) -%}
  {{ return('array(' ~ (items | join(', ')) ~ ')') }}
{%- endmacro %}
