{#- FF1 format-preserving encryption: the alphabet characters are encrypted,
    the others keep their place. key is a key name (16, 24 or 32 bytes), never key material. -#}
{% macro encrypt_format_preserving(expr, key=none, alphabet=none, tweak=none, on_short=none) -%}
  {{ return(adapter.dispatch('encrypt_format_preserving', 'cape')(expr, key, alphabet, tweak, on_short)) }}
{%- endmacro %}

{% macro default__encrypt_format_preserving(expr, key=none, alphabet=none, tweak=none, on_short=none) -%}
  {{ return(cape._column_transform('encrypt_format_preserving', 'format-preserving-encryption', expr, {'alphabet': alphabet, 'tweak': tweak, 'on_short': on_short}, key)) }}
{%- endmacro %}
