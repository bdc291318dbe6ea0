{#- AES-SIV token that the key holder can reverse with cape.detokenize. -#}
{% macro reversible_tokenize(expr, key=none) -%}
  {{ return(adapter.dispatch('reversible_tokenize', 'cape')(expr, key)) }}
{%- endmacro %}

{% macro default__reversible_tokenize(expr, key=none) -%}
  {{ return(cape._column_transform('reversible_tokenize', 'reversible-tokenizer', expr, {}, key)) }}
{%- endmacro %}
