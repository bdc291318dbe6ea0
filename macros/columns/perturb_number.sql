{#- Uniform noise in [min, max); pass an integer data_type for whole-number noise. -#}
{% macro perturb_number(expr, min, max, seed=none, data_type=none) -%}
  {{ return(adapter.dispatch('perturb_number', 'cape')(expr, min, max, seed, data_type)) }}
{%- endmacro %}

{% macro default__perturb_number(expr, min, max, seed=none, data_type=none) -%}
  {{ return(cape._column_transform('perturb_number', 'numeric-perturbation', expr, {'min': min, 'max': max, 'seed': seed}, none, data_type)) }}
{%- endmacro %}
