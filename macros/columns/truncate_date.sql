{#- Truncate to year..second; pass data_type='date' to keep a DATE a DATE. -#}
{% macro truncate_date(expr, frequency, data_type=none) -%}
  {{ return(adapter.dispatch('truncate_date', 'cape')(expr, frequency, data_type)) }}
{%- endmacro %}

{% macro default__truncate_date(expr, frequency, data_type=none) -%}
  {{ return(cape._column_transform('truncate_date', 'date-truncation', expr, {'frequency': frequency}, none, data_type)) }}
{%- endmacro %}
