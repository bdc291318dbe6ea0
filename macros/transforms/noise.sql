{#- Noise shapes shared by numeric and date perturbation.

    _standard_noise: a draw of unit scale from two independent uniforms, each
    used once (each fresh or keyed uniform is its own draw):
      gaussian  sqrt(-2 ln(1 - u1)) * cos(2 pi u2)   Box-Muller, standard deviation 1
      laplace   ln(1 - u2) - ln(1 - u1)              difference of two Exp(1), mean |x| = 1
    Both are exact; 1 - u lies in (0, 1], so the logarithms are finite. -#}
{% macro _standard_noise(step, distribution, index_a, index_b, stream, row) -%}
  {{ return(adapter.dispatch('_standard_noise', 'cape')(step, distribution, index_a, index_b, stream, row)) }}
{%- endmacro %}

{#- ln, sqrt, cos and pi() are the same on DuckDB and Spark; the uniforms dispatch.
    Fresh noise (no seed, no consistent_by) is one call that draws both uniforms
    from the CSPRNG and shapes them alike (cape_udfs/kernels/secure_noise.py):
    half the calls, and a UDF call's overhead is most of fresh noise's cost. -#}
{% macro default___standard_noise(step, distribution, index_a, index_b, stream, row) -%}
  {%- if not step.args.consistent_by and step.args.seed is none and distribution in ('gaussian', 'laplace') -%}
    {{ return('cape_secure_' ~ distribution ~ '(' ~ (index_a | int) ~ ')') }}
  {%- endif -%}
  {%- set u1 = cape._uniform(step, index_a, row, stream) -%}
  {%- set u2 = cape._uniform(step, index_b, row, stream ~ '#2') -%}
  {%- if distribution == 'gaussian' -%}
    {{ return('(sqrt(-2 * ln(1 - ' ~ u1 ~ ')) * cos(2 * pi() * ' ~ u2 ~ '))') }}
  {%- elif distribution == 'laplace' -%}
    {{ return('(ln(1 - ' ~ u2 ~ ') - ln(1 - ' ~ u1 ~ '))') }}
  {%- endif -%}
  {{ exceptions.raise_compiler_error("cape: unknown noise distribution " ~ distribution) }}
{%- endmacro %}

{#- least(greatest(sql, low), high), leaving out a bound that is none. -#}
{% macro _clip(sql, low, high) -%}
  {%- set out = sql -%}
  {%- if low is not none -%}{%- set out = 'greatest(' ~ out ~ ', ' ~ low ~ ')' -%}{%- endif -%}
  {%- if high is not none -%}{%- set out = 'least(' ~ out ~ ', ' ~ high ~ ')' -%}{%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{#- The data-derived scale of relative_scale: x times the sample standard
    deviation of the column's input values over the whole relation (a scalar
    subquery the engine evaluates once), or, for column-level macros that know
    no relation, over the rows of the current query (a window). NULL when the
    column has fewer than two non-NULL values. -#}
{% macro _relative_scale(expr, step) -%}
  {{ return(adapter.dispatch('_relative_scale', 'cape')(expr, step)) }}
{%- endmacro %}

{% macro default___relative_scale(expr, step) -%}
  {%- if step.relation is defined and step.relation is not none -%}
    {{ return('((select stddev_samp(' ~ cape._quote_identifier(step.column) ~ ') from ' ~ step.relation ~ ') * ' ~ step.args.relative_scale ~ ')') }}
  {%- endif -%}
  {{ return('(stddev_samp(' ~ expr ~ ') over () * ' ~ step.args.relative_scale ~ ')') }}
{%- endmacro %}
