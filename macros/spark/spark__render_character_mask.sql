{#- As duckdb__render_character_mask: native SQL counted in code points (Spark's
    length, left, right and substring count them too), the value bound once
    with a one-element array and a lambda. -#}
{% macro spark__render_character_mask(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- set text = cape._spark_text(expr, step.family, step.input_type) -%}
  {%- set f = a.keep_first -%}
  {%- set l = a.keep_last -%}
  {%- if f == 0 and l == 0 -%}
  {{ cape._spark_character_mask_run(text, a) }}
  {%- else -%}
    {%- set middle = cape._spark_character_mask_run('substring(cape_v, ' ~ (f + 1) ~ ', length(cape_v) - ' ~ (f + l) ~ ')', a) -%}
    {%- set parts = [] -%}
    {%- if f > 0 -%}{%- do parts.append('left(cape_v, ' ~ f ~ ')') -%}{%- endif -%}
    {%- do parts.append(middle) -%}
    {%- if l > 0 -%}{%- do parts.append('right(cape_v, ' ~ l ~ ')') -%}{%- endif -%}
  element_at(transform(array({{ text }}), cape_v -> case when length(cape_v) <= {{ f + l }} then {{ cape._spark_character_mask_run('cape_v', a) }} else {{ parts | join(' || ') }} end), 1)
  {%- endif -%}
{%- endmacro %}

{#- Every character but the ignored ones becomes mask_char. The class is made of
    \x{...} escapes, which Java's regex reads as RE2 does; in a Java replacement
    a backslash and a dollar sign are special. -#}
{% macro _spark_character_mask_run(text, args) -%}
  {%- if args.ignore_class -%}
    {{ return("regexp_replace(" ~ text ~ ", " ~ cape._spark_string('[^' ~ args.ignore_class ~ ']') ~ ", " ~ cape._spark_string(args.mask_char.replace('\\', '\\\\').replace('$', '\\$')) ~ ")") }}
  {%- else -%}
    {{ return("repeat(" ~ cape._spark_string(args.mask_char) ~ ", length(" ~ text ~ "))") }}
  {%- endif -%}
{%- endmacro %}
