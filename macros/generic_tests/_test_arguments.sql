{#- Argument guards shared by cape's generic tests: when the test compiles they
    fail with a sentence naming the test, the argument and the bad value. While
    dbt parses they return a placeholder instead, so one bad test is reported
    as that test's error and does not stop the whole project from parsing. -#}

{#- A non-empty list of column names, returned quoted. -#}
{% macro _test_column_list(test_name, argument, value) -%}
  {%- set ns = namespace(ok=not (value is string or value is mapping or value is not iterable or value | length == 0)) -%}
  {%- if ns.ok -%}
    {%- for name in value -%}
      {%- if name is not string or not name -%}{%- set ns.ok = false -%}{%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if not ns.ok -%}
    {%- if not execute -%}{{ return(['null']) }}{%- endif -%}
    {{ exceptions.raise_compiler_error("cape." ~ test_name ~ ": " ~ argument ~ " must be a non-empty list of column names, got " ~ (value | string)) }}
  {%- endif -%}
  {%- set quoted = [] -%}
  {%- for name in value -%}{%- do quoted.append(cape._quote_identifier(name)) -%}{%- endfor -%}
  {{ return(quoted) }}
{%- endmacro %}

{#- A whole number of at least 1 (booleans are refused, though Jinja counts them as numbers). -#}
{% macro _test_positive_integer(test_name, argument, value) -%}
  {%- if value is sameas true or value is sameas false or value is not number or value != (value | int) or value < 1 -%}
    {%- if not execute -%}{{ return(1) }}{%- endif -%}
    {{ exceptions.raise_compiler_error("cape." ~ test_name ~ ": " ~ argument ~ " must be a whole number of at least 1, got " ~ (value | string)) }}
  {%- endif -%}
  {{ return(value | int) }}
{%- endmacro %}
