{% macro render_numeric_perturbation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_perturbation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- Noise by distribution (see cape_udfs/transforms/numeric_perturbation.py):
    uniform in [min, max), gaussian or laplace times scale clipped to [min, max];
    with relative_scale, s = x * stddev and the bounds are in units of s.
    Integer columns get whole-number noise (uniform over the integers in the
    range; gaussian and laplace rounded half away from zero, then clipped),
    added exactly (cape._exact_integer). Casting back keeps the type; a result
    that does not fit fails (cape._fit). Noise is random, so Spark's values
    differ from DuckDB's but lie in the same bounds. -#}
{% macro default__render_numeric_perturbation(expr, step, row) -%}
  {%- set noise = cape._numeric_noise(expr, step, row) -%}
  {%- set what = 'numeric-perturbation on ' ~ step.column -%}
  {%- if step.family == 'integer' -%}
  {{ cape._fit(cape._exact_integer(expr) ~ ' + ' ~ noise, step.input_type, what) }}
  {%- else -%}
  {{ cape._fit(expr ~ ' + (' ~ noise ~ ')', step.input_type, what) }}
  {%- endif -%}
{%- endmacro %}

{#- The noise expression, the same on every engine (its uniforms and standard
    draws dispatch per engine). -#}
{% macro _numeric_noise(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- set dist = a.distribution or 'uniform' -%}
  {%- set integer = step.family == 'integer' -%}
  {%- set s = cape._relative_scale(expr, step) if a.relative_scale is not none else none -%}
  {%- if dist == 'uniform' -%}
    {%- set u = cape._uniform(step, 0, row, 'number') -%}
    {%- if s is none and integer -%}
      {%- set noise = 'cast(floor(' ~ a.int_min ~ ' + ' ~ (a.int_max - a.int_min) ~ ' * ' ~ u ~ ') as bigint)' -%}
    {%- elif s is none -%}
      {%- set noise = a.min ~ ' + (' ~ a.max ~ ' - (' ~ a.min ~ ')) * ' ~ u -%}
    {%- elif integer -%}
      {#- The integers n with min*s <= n < max*s (0 when s is 0). -#}
      {%- set lo = 'ceil(' ~ s ~ ' * ' ~ a.min ~ ')' -%}
      {%- set hi = 'ceil(' ~ s ~ ' * ' ~ a.max ~ ')' -%}
      {%- set noise = 'cast(' ~ lo ~ ' + floor((' ~ hi ~ ' - ' ~ lo ~ ') * ' ~ u ~ ') as bigint)' -%}
    {%- else -%}
      {%- set noise = s ~ ' * (' ~ a.min ~ ' + (' ~ a.max ~ ' - (' ~ a.min ~ ')) * ' ~ u ~ ')' -%}
    {%- endif -%}
  {%- else -%}
    {%- set z = cape._standard_noise(step, dist, 0, 1, 'number', row) -%}
    {%- if s is none and integer -%}
      {%- set noise = 'cast(' ~ cape._clip('round(' ~ a.scale ~ ' * ' ~ z ~ ')', a.clip_min, a.clip_max) ~ ' as bigint)' -%}
    {%- elif s is none -%}
      {%- set noise = cape._clip(a.scale ~ ' * ' ~ z, a.min, a.max) -%}
    {%- elif integer -%}
      {%- set raw = 'round(' ~ s ~ ' * ' ~ cape._clip(z, a.min, a.max) ~ ')' -%}
      {%- set noise = 'cast(' ~ cape._clip(raw,
            none if a.min is none else 'ceil(' ~ s ~ ' * ' ~ a.min ~ ')',
            none if a.max is none else 'floor(' ~ s ~ ' * ' ~ a.max ~ ')') ~ ' as bigint)' -%}
    {%- else -%}
      {%- set noise = s ~ ' * ' ~ cape._clip(z, a.min, a.max) -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(noise) }}
{%- endmacro %}
