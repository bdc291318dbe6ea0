{#- The engine's unbounded text type, for casts. -#}
{% macro _text_type() -%}
  {{ return(adapter.dispatch('_text_type', 'cape')()) }}
{%- endmacro %}

{% macro default___text_type() -%}
  {{ return('varchar') }}
{%- endmacro %}

{#- Spark's VARCHAR needs a length; STRING is unbounded. -#}
{% macro spark___text_type() -%}
  {{ return('string') }}
{%- endmacro %}
