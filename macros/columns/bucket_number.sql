{#- A bucket label ('30-40', '<18', '>=65'): give size (with optional lower/upper) or boundaries. -#}
{% macro bucket_number(expr, size=none, boundaries=none, lower=none, upper=none, data_type=none) -%}
  {{ return(adapter.dispatch('bucket_number', 'cape')(expr, size, boundaries, lower, upper, data_type)) }}
{%- endmacro %}

{% macro default__bucket_number(expr, size=none, boundaries=none, lower=none, upper=none, data_type=none) -%}
  {{ return(cape._column_transform('bucket_number', 'numeric-bucketing', expr, {'size': size, 'boundaries': boundaries, 'lower': lower, 'upper': upper}, none, data_type)) }}
{%- endmacro %}
