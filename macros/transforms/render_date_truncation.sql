{% macro render_date_truncation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_date_truncation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- date_trunc with a quoted unit name is the same on DuckDB and Spark; the
    cast keeps the column's type (date_trunc of a DATE gives a timestamp). -#}
{% macro default__render_date_truncation(expr, step, row) -%}
  {{ cape._cast("date_trunc('" ~ step.args.frequency ~ "', " ~ expr ~ ")", step.input_type) }}
{%- endmacro %}
