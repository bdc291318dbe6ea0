{#- The inverse of cape.encrypt_format_preserving with the same key, alphabet and tweak. -#}
{% macro decrypt_format_preserving(expr, key=none, alphabet=none, tweak=none, on_short=none) -%}
  {{ return(adapter.dispatch('decrypt_format_preserving', 'cape')(expr, key, alphabet, tweak, on_short)) }}
{%- endmacro %}

{% macro default__decrypt_format_preserving(expr, key=none, alphabet=none, tweak=none, on_short=none) -%}
  {{ return(cape._column_transform('decrypt_format_preserving', 'format-preserving-decryption', expr, {'alphabet': alphabet, 'tweak': tweak, 'on_short': on_short}, key)) }}
{%- endmacro %}
