{#- As duckdb___standard_noise: Box-Muller (gaussian) or the difference of two
    exponentials (laplace), from two uniforms. -#}
{% macro spark___standard_noise(step, distribution, index_a, index_b, stream, row) -%}
  {%- set u1 = cape._uniform(step, index_a, row, stream) -%}
  {%- set u2 = cape._uniform(step, index_b, row, stream ~ '#2') -%}
  {%- if distribution == 'gaussian' -%}
    {{ return('(sqrt(-2 * ln(1 - ' ~ u1 ~ ')) * cos(2 * pi() * ' ~ u2 ~ '))') }}
  {%- elif distribution == 'laplace' -%}
    {{ return('(ln(1 - ' ~ u2 ~ ') - ln(1 - ' ~ u1 ~ '))') }}
  {%- endif -%}
  {{ exceptions.raise_compiler_error("cape: unknown noise distribution " ~ distribution) }}
{%- endmacro %}
