{#- A uniform number in [0, 1), as duckdb___uniform: keyed (the same
    cape_keyed_uniform and messages, so a consistent_by draw equals DuckDB's;
    a seeded draw too where every input column has a canonical text) with
    consistent_by or a seed, else cape_secure_uniform (never rand(), an
    XORShift). -#}
{% macro spark___uniform(step, index, row, stream=none) -%}
  {%- set keyed = cape._keyed_uniform_args(step, index, row, stream, cape._spark_string) -%}
  {%- if keyed is not none -%}
    {{ return('cape_keyed_uniform(' ~ keyed ~ ')') }}
  {%- endif -%}
  {{ return('cape_secure_uniform(' ~ (index | int) ~ ')') }}
{%- endmacro %}
