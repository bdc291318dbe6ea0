{#- Mask every character but the first keep_first, the last keep_last and the ignored ones. -#}
{% macro mask_characters(expr, mask_char=none, keep_first=none, keep_last=none, ignore=none) -%}
  {{ return(adapter.dispatch('mask_characters', 'cape')(expr, mask_char, keep_first, keep_last, ignore)) }}
{%- endmacro %}

{% macro default__mask_characters(expr, mask_char=none, keep_first=none, keep_last=none, ignore=none) -%}
  {{ return(cape._column_transform('mask_characters', 'character-mask', expr, {'mask_char': mask_char, 'keep_first': keep_first, 'keep_last': keep_last, 'ignore': ignore})) }}
{%- endmacro %}
