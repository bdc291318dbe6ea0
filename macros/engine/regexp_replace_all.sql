{#- Every match of `pattern` in the text `sql` replaced by the plain text
    `replacement` (both quoted here). The pattern is written in the syntax RE2
    and Java's regex share (\x{...} escapes, classes). -#}
{% macro _regexp_replace_all(sql, pattern, replacement) -%}
  {{ return(adapter.dispatch('_regexp_replace_all', 'cape')(sql, pattern, replacement)) }}
{%- endmacro %}

{#- DuckDB replaces the first match unless told 'g'; in an RE2 replacement a
    backslash is special. -#}
{% macro default___regexp_replace_all(sql, pattern, replacement) -%}
  {{ return('regexp_replace(' ~ sql ~ ', ' ~ cape._string_literal(pattern) ~ ', ' ~ cape._string_literal(replacement.replace('\\', '\\\\')) ~ ", 'g')") }}
{%- endmacro %}

{#- Spark replaces every match; in a Java replacement a backslash and a dollar
    sign are special. -#}
{% macro spark___regexp_replace_all(sql, pattern, replacement) -%}
  {{ return('regexp_replace(' ~ sql ~ ', ' ~ cape._string_literal(pattern) ~ ', ' ~ cape._string_literal(replacement.replace('\\', '\\\\').replace('$', '\\$')) ~ ')') }}
{%- endmacro %}
