{#- As duckdb__render_numeric_perturbation (the same noise shapes; see
    cape_udfs/transforms/numeric_perturbation.py), with Spark's functions. The
    noise is random, so values differ from DuckDB's but lie in the same bounds.
    Integer and decimal results must fit the column's type (cape._spark_fit). -#}
{% macro spark__render_numeric_perturbation(expr, step, row) -%}
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
  {%- set what = 'numeric-perturbation on ' ~ step.column -%}
  {%- if integer -%}
  {{ cape._spark_fit('cast(' ~ expr ~ ' as decimal(38, 0)) + ' ~ noise, step.input_type, what) }}
  {%- elif step.family == 'decimal' -%}
  {{ cape._spark_fit(expr ~ ' + (' ~ noise ~ ')', step.input_type, what) }}
  {%- else -%}
  {{ cape._cast(expr ~ ' + (' ~ noise ~ ')', cape._spark_type(step.input_type)) }}
  {%- endif -%}
{%- endmacro %}
