{#- A column type as the engine spells it in a cast, none for none. Plan types
    are the engine's own (`int`, `decimal(12,2)`), except the text results of
    the tokenizers, which the plan calls VARCHAR. -#}
{% macro _cast_type(data_type) -%}
  {{ return(adapter.dispatch('_cast_type', 'cape')(data_type)) }}
{%- endmacro %}

{% macro default___cast_type(data_type) -%}
  {{ return(data_type) }}
{%- endmacro %}

{#- Spark knows VARCHAR only with a length; its unbounded text is STRING. -#}
{% macro spark___cast_type(data_type) -%}
  {%- if data_type is none -%}{{ return(none) }}{%- endif -%}
  {%- if (data_type | string | trim | upper) in ('VARCHAR', 'TEXT', 'STRING') -%}{{ return('string') }}{%- endif -%}
  {{ return(data_type) }}
{%- endmacro %}
