{#- Shift by whole units of noise per frequency. -#}
{% macro perturb_date(expr, frequency, min, max, seed=none, data_type=none) -%}
  {{ return(adapter.dispatch('perturb_date', 'cape')(expr, frequency, min, max, seed, data_type)) }}
{%- endmacro %}

{% macro default__perturb_date(expr, frequency, min, max, seed=none, data_type=none) -%}
  {{ return(cape._column_transform('perturb_date', 'date-perturbation', expr, {'frequency': frequency, 'min': min, 'max': max, 'seed': seed}, none, data_type)) }}
{%- endmacro %}
