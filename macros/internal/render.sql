{#- Render a plan into SQL: each column's steps nest, innermost first. -#}
{% macro _render_select_list(plan, alias=none) -%}
  {%- if plan.columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("cape: policy " ~ plan.path ~ " drops every column") }}
  {%- endif -%}
  {%- set row = [] -%}
  {%- for name in plan.input_columns -%}{%- do row.append(cape._column_ref(name, alias)) -%}{%- endfor -%}
  {%- set row_expr = row | join(', ') -%}
  {%- set items = [] -%}
  {%- for column in plan.columns -%}
    {%- set ns = namespace(expr=cape._column_ref(column.name, alias)) -%}
    {%- for step in column.steps -%}
      {%- set ns.expr = cape[step.macro](ns.expr, step, row_expr) | trim -%}
    {%- endfor -%}
    {%- do items.append(ns.expr ~ ' as ' ~ cape._quote_identifier(column.name)) -%}
  {%- endfor -%}
  {{ return(items | join(',\n  ')) }}
{%- endmacro %}

{% macro _render_row_filter(plan, alias=none) -%}
  {%- if plan.row_filters | length == 0 -%}{{ return('true') }}{%- endif -%}
  {%- set parts = [] -%}
  {%- for condition in plan.row_filters -%}
    {%- do parts.append('(' ~ condition ~ ') is not true') -%}
  {%- endfor -%}
  {{ return(parts | join(' and ')) }}
{%- endmacro %}

{% macro _column_ref(name, alias=none) -%}
  {{ return((alias ~ '.' if alias else '') ~ cape._quote_identifier(name)) }}
{%- endmacro %}

{% macro _sql_string(text) -%}
  {{ return("'" ~ (text | string).replace("'", "''") ~ "'") }}
{%- endmacro %}

{% macro _unsupported(what) -%}
  {{ exceptions.raise_compiler_error("cape: " ~ what ~ " is not implemented for the " ~ adapter.type() ~ " adapter") }}
{%- endmacro %}
