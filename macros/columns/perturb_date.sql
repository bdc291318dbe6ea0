{#- Shift by whole units of noise per frequency: uniform in [min, max) (default),
    or distribution='gaussian' / 'laplace' with scale per unit and optional
    clipping bounds. consistent_by is a SQL expression or a list of them (cast to
    text by the engine): rows with equal values get the same keyed shift. With seed
    the shift is keyed by expr's value. key is a key name from the plugin config
    (none: the default key). -#}
{% macro perturb_date(expr, frequency, min=none, max=none, seed=none, data_type=none, distribution=none,
                      scale=none, consistent_by=none, key=none, salt=none) -%}
  {{ return(adapter.dispatch('perturb_date', 'cape')(expr, frequency, min, max, seed, data_type, distribution,
                                                     scale, consistent_by, key, salt)) }}
{%- endmacro %}

{% macro default__perturb_date(expr, frequency, min=none, max=none, seed=none, data_type=none, distribution=none,
                               scale=none, consistent_by=none, key=none, salt=none) -%}
  {%- if key is not none and consistent_by is none and seed is none -%}
    {{ exceptions.raise_compiler_error("cape.perturb_date: key is only used with seed or consistent_by") }}
  {%- endif -%}
  {{ return(cape._column_transform('perturb_date', 'date-perturbation', expr,
      {'frequency': frequency, 'min': min, 'max': max, 'seed': seed, 'distribution': distribution,
       'scale': scale, 'consistent_by': consistent_by, 'salt': salt}, key, data_type)) }}
{%- endmacro %}
