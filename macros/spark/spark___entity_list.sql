{#- The entity of a keyed draw, as duckdb___entity_list: an array of the
    canonical texts of the consistent_by columns, read from the row's raw input
    columns; column-level macros pass SQL expressions, cast to text. -#}
{% macro spark___entity_list(step, row) -%}
  {%- set items = [] -%}
  {%- if step.entity is defined and step.entity is not none -%}
    {%- set head = adapter.quote(step.row_head) -%}
    {%- set at = row.find(head) -%}
    {%- if at < 0 -%}
      {{ exceptions.raise_compiler_error("cape: cannot find column " ~ step.row_head ~ " in the row of " ~ step.column) }}
    {%- endif -%}
    {%- set prefix = row[:at] -%}
    {%- for part in step.entity -%}
      {%- do items.append(cape._canonical_text(prefix ~ adapter.quote(part.column), part.family)) -%}
    {%- endfor -%}
  {%- else -%}
    {%- for part in step.args.consistent_by -%}
      {%- do items.append('cast((' ~ part ~ ') as string)') -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return('array(' ~ (items | join(', ')) ~ ')') }}
{%- endmacro %}
