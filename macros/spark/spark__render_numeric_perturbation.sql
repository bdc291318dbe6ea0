{#- The shared noise (cape._numeric_noise) added with Spark's types. The
    noise is random, so values differ from DuckDB's but lie in the same bounds.
    Integer and decimal results must fit the column's type (cape._spark_fit). -#}
{% macro spark__render_numeric_perturbation(expr, step, row) -%}
  {%- set noise = cape._numeric_noise(expr, step, row) -%}
  {%- set integer = step.family == 'integer' -%}
  {%- set what = 'numeric-perturbation on ' ~ step.column -%}
  {%- if integer -%}
  {{ cape._spark_fit('cast(' ~ expr ~ ' as decimal(38, 0)) + ' ~ noise, step.input_type, what) }}
  {%- elif step.family == 'decimal' -%}
  {{ cape._spark_fit(expr ~ ' + (' ~ noise ~ ')', step.input_type, what) }}
  {%- else -%}
  {{ cape._cast(expr ~ ' + (' ~ noise ~ ')', cape._spark_type(step.input_type)) }}
  {%- endif -%}
{%- endmacro %}
