{#- Noise on a number: uniform in [min, max) (default), or distribution='gaussian'
    / 'laplace' with scale (or relative_scale: x times the stddev of expr over the
    query's rows, a window) and optional clipping bounds min/max. Pass an integer
    data_type for whole-number noise. consistent_by is a SQL expression or a list
    of them (cast to text by the engine): rows with equal values get the same
    keyed noise. With seed the noise is keyed by expr's value (seed and expression
    as salt). key is a key name from the plugin config (none: the default key). -#}
{% macro perturb_number(expr, min=none, max=none, seed=none, data_type=none, distribution=none, scale=none,
                        relative_scale=none, consistent_by=none, key=none, salt=none) -%}
  {{ return(adapter.dispatch('perturb_number', 'cape')(expr, min, max, seed, data_type, distribution, scale,
                                                       relative_scale, consistent_by, key, salt)) }}
{%- endmacro %}

{% macro default__perturb_number(expr, min=none, max=none, seed=none, data_type=none, distribution=none, scale=none,
                                 relative_scale=none, consistent_by=none, key=none, salt=none) -%}
  {%- if key is not none and consistent_by is none and seed is none -%}
    {{ exceptions.raise_compiler_error("cape.perturb_number: key is only used with seed or consistent_by") }}
  {%- endif -%}
  {{ return(cape._column_transform('perturb_number', 'numeric-perturbation', expr,
      {'min': min, 'max': max, 'seed': seed, 'distribution': distribution, 'scale': scale,
       'relative_scale': relative_scale, 'consistent_by': consistent_by, 'salt': salt}, key, data_type)) }}
{%- endmacro %}
