{#- The value behind a reversible token; a bad token fails the query. -#}
{% macro detokenize(expr, key=none) -%}
  {{ return(adapter.dispatch('detokenize', 'cape')(expr, key)) }}
{%- endmacro %}

{% macro default__detokenize(expr, key=none) -%}
  {{ return(cape._column_transform('detokenize', 'token-reverser', expr, {}, key)) }}
{%- endmacro %}
