{#- A uniform number in [0, 1), as duckdb___uniform: keyed by the entity with
    consistent_by (the same cape_keyed_uniform, so the same draws as DuckDB),
    a hash of the seed, the step and the row's input values with a seed (xxhash64:
    the same across reruns and partitionings, not the same numbers as DuckDB's
    hash), else rand(). -#}
{% macro spark___uniform(step, index, row, stream=none) -%}
  {%- if step.args.consistent_by -%}
    {{ return('cape_keyed_uniform(' ~ cape._entity_list(step, row) ~ ', ' ~ cape._spark_string(step.key_id) ~ ', '
              ~ cape._spark_string(step.args.salt if step.args.salt is not none else step.column) ~ ', '
              ~ cape._spark_string(stream if stream is not none else index) ~ ')') }}
  {%- endif -%}
  {%- if step.args.seed is none -%}
    {{ return('rand()') }}
  {%- endif -%}
  {{ return('(cast(shiftrightunsigned(xxhash64(' ~ step.args.seed ~ ', ' ~ cape._spark_string(step.salt ~ ':' ~ index) ~ ', ' ~ row ~ '), 11) as double) / 9007199254740992.0)') }}
{%- endmacro %}
