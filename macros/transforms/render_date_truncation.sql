{% macro render_date_truncation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_date_truncation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_date_truncation(expr, step, row) -%}
  {{ cape._unsupported('render_date_truncation') }}
{%- endmacro %}

{% macro duckdb__render_date_truncation(expr, step, row) -%}
  {{ cape._cast("date_trunc('" ~ step.args.frequency ~ "', " ~ expr ~ ")", step.input_type) }}
{%- endmacro %}
