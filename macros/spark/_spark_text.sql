{#- spark___text (macros/engine/text.sql): the text DuckDB's cast(x as varchar) gives, which tokens and masks are made
    of. Spark agrees except for decimals with more than six decimal places,
    which it writes in E notation ('0E-10'); those are written with exactly
    their scale by format_number (exact for decimals, US locale) without its
    thousands separators, the scale read from data_type or, when that is
    unknown, from the value's type. An expression of unknown family (a column
    macro without data_type) is cast. -#}
{% macro _spark_text(sql, family, data_type=none) -%}
  {%- if family == 'text' -%}{{ return(sql) }}{%- endif -%}
  {%- if family == 'decimal' -%}
    {%- set found = modules.re.search('\\(\\s*\\d+\\s*,\\s*(\\d+)\\s*\\)', data_type or '') -%}
    {%- if found and (found.group(1) | int) <= 6 -%}
      {{ return('cast(' ~ sql ~ ' as string)') }}
    {%- elif found -%}
      {{ return("replace(format_number(" ~ sql ~ ", " ~ found.group(1) ~ "), ',', '')") }}
    {%- endif -%}
    {%- set scale = "regexp_extract(typeof(" ~ sql ~ "), '^decimal\\\\(\\\\d+,(\\\\d+)\\\\)$', 1)" -%}
    {#- typeof is folded to a constant; '' (not a decimal) and '0'..'6' keep the cast. -#}
    {{ return("case when length(" ~ scale ~ ") > 1 or " ~ scale ~ " > '6' then replace(format_number(" ~ sql ~ ", cast(" ~ scale ~ " as int)), ',', '') else cast(" ~ sql ~ " as string) end") }}
  {%- endif -%}
  {{ return('cast(' ~ sql ~ ' as string)') }}
{%- endmacro %}
