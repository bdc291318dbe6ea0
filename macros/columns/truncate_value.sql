{#- Text to `length` characters, numbers toward zero to `precision` places, dates to
    `frequency`; with more than one of them, data_type says which applies. -#}
{% macro truncate_value(expr, length=none, precision=none, frequency=none, data_type=none) -%}
  {{ return(adapter.dispatch('truncate_value', 'cape')(expr, length, precision, frequency, data_type)) }}
{%- endmacro %}

{% macro default__truncate_value(expr, length=none, precision=none, frequency=none, data_type=none) -%}
  {{ return(cape._column_transform('truncate_value', 'truncation', expr, {'length': length, 'precision': precision, 'frequency': frequency}, none, data_type)) }}
{%- endmacro %}
