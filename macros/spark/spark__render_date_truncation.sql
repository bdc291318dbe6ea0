{% macro spark__render_date_truncation(expr, step, row) -%}
  {{ cape._cast("date_trunc('" ~ step.args.frequency ~ "', " ~ expr ~ ")", step.input_type) }}
{%- endmacro %}
