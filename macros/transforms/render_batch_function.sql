{#- Every transform computed outside SQL: a call of the batch function it declares
    (cape_udfs/batch.py), whose arguments the planner wrote into step.call: the
    column's value in its text form (cape._text: DuckDB's cast to text, on every
    engine), then constants as string literals (the key id, never a key). A
    transform that keeps a prefix of the result (the tokenizer's max_token_len)
    says so with call.left. -#}
{% macro render_batch_function(expr, step, row) -%}
  {{ return(adapter.dispatch('render_batch_function', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_batch_function(expr, step, row) -%}
  {%- set args = [] -%}
  {%- for arg in step.call.args -%}
    {%- if arg.value -%}
      {%- do args.append(cape._text(expr, step.family, step.input_type)) -%}
    {%- else -%}
      {%- do args.append(cape._string_literal(arg.text)) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set call = step.call.function ~ '(' ~ args | join(', ') ~ ')' -%}
  {{ return(('left(' ~ call ~ ', ' ~ step.call.left ~ ')') if step.call.left else call) }}
{%- endmacro %}
