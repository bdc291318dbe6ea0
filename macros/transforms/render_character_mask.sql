{% macro render_character_mask(expr, step, row) -%}
  {{ return(adapter.dispatch('render_character_mask', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- Native SQL, counted in code points like cape_udfs.transforms.character_mask.mask
    (length, left, right and substring count them on DuckDB and Spark). The
    value is bound once, because it is used several times and may be a costly
    or random expression. A value of at most keep_first + keep_last characters
    is masked whole. -#}
{% macro default__render_character_mask(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- set text = cape._text(expr, step.family, step.input_type) -%}
  {%- set f = a.keep_first -%}
  {%- set l = a.keep_last -%}
  {%- if f == 0 and l == 0 -%}
  {{ cape._character_mask_run(text, a) }}
  {%- else -%}
    {%- set middle = cape._character_mask_run('substring(cape_v, ' ~ (f + 1) ~ ', length(cape_v) - ' ~ (f + l) ~ ')', a) -%}
    {%- set parts = [] -%}
    {%- if f > 0 -%}{%- do parts.append('left(cape_v, ' ~ f ~ ')') -%}{%- endif -%}
    {%- do parts.append(middle) -%}
    {%- if l > 0 -%}{%- do parts.append('right(cape_v, ' ~ l ~ ')') -%}{%- endif -%}
  {{ cape._bind(text, 'cape_v', 'case when length(cape_v) <= ' ~ (f + l) ~ ' then ' ~ cape._character_mask_run('cape_v', a) ~ ' else ' ~ (parts | join(' || ')) ~ ' end') }}
  {%- endif -%}
{%- endmacro %}

{#- Every character of `text` but the ignored ones becomes mask_char. The
    ignore class is made of \x{...} escapes (see character_mask.py), which RE2
    and Java's regex read alike. -#}
{% macro _character_mask_run(text, args) -%}
  {%- if args.ignore_class -%}
    {{ return(cape._regexp_replace_all(text, '[^' ~ args.ignore_class ~ ']', args.mask_char)) }}
  {%- else -%}
    {{ return("repeat(" ~ cape._string_literal(args.mask_char) ~ ", length(" ~ text ~ "))") }}
  {%- endif -%}
{%- endmacro %}
