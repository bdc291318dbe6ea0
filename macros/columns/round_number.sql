{#- Half-to-even rounding; pass data_type for NumPy-exact float rounding and to keep the type. -#}
{% macro round_number(expr, precision, data_type=none) -%}
  {{ return(adapter.dispatch('round_number', 'cape')(expr, precision, data_type)) }}
{%- endmacro %}

{% macro default__round_number(expr, precision, data_type=none) -%}
  {{ return(cape._column_transform('round_number', 'numeric-rounding', expr, {'precision': precision}, none, data_type)) }}
{%- endmacro %}
