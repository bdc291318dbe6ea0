{#- Column-level test on a sanitized model: no non-NULL value of the column
    equals a value of the raw column it came from. Both sides are compared as
    text, so a token column can be checked against a numeric id. One failing row
    per distinct leaked value, with the number of rows that carry it; note that
    --store-failures stores those (raw) values in the test schema.
    The raw side is the build side of a semi-join (IN), not a cross product. -#}
{% test no_raw_values(model, column_name, source, source_column=none) %}
  {{ return(adapter.dispatch('test_no_raw_values', 'cape')(model, column_name, source, source_column)) }}
{% endtest %}

{% macro default__test_no_raw_values(model, column_name, source, source_column=none) -%}
  {%- if execute and (source is none or source is string and not source) -%}
    {{ exceptions.raise_compiler_error("cape.no_raw_values: 'source' is required, e.g. source: ref('raw_customers')") }}
  {%- endif -%}
  {%- set sanitized = cape._test_column_list('no_raw_values', 'column_name', [column_name])[0] -%}
  {%- set raw = cape._test_column_list('no_raw_values', 'source_column', [source_column or column_name])[0] -%}
  {%- set text = dbt.type_string() -%}
with raw_values as (
  select cast({{ raw }} as {{ text }}) as raw_value
  from {{ source }}
  where {{ raw }} is not null
)
select
  cast({{ sanitized }} as {{ text }}) as leaked_value,
  count(*) as occurrences
from {{ model }}
where {{ sanitized }} is not null
  and cast({{ sanitized }} as {{ text }}) in (select raw_value from raw_values)
group by cast({{ sanitized }} as {{ text }})
order by occurrences desc, leaked_value
{%- endmacro %}
