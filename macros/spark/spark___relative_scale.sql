{#- As duckdb___relative_scale: x times the sample standard deviation of the
    column over the relation (a scalar subquery), or over the query's rows (a
    window) for column-level macros. -#}
{% macro spark___relative_scale(expr, step) -%}
  {%- if step.relation is defined and step.relation is not none -%}
    {{ return('((select stddev_samp(' ~ cape._quote_identifier(step.column) ~ ') from ' ~ step.relation ~ ') * ' ~ step.args.relative_scale ~ ')') }}
  {%- endif -%}
  {{ return('(stddev_samp(' ~ expr ~ ') over () * ' ~ step.args.relative_scale ~ ')') }}
{%- endmacro %}
