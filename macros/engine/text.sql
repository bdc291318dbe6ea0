{#- The text a value is tokenized, masked or encrypted as: DuckDB's
    cast(x as varchar), which is what cape_udfs' reference functions see.
    `family` is the plan's type family of `sql` ('unknown' for a column macro
    without data_type); text passes as it is. -#}
{% macro _text(sql, family, data_type=none) -%}
  {{ return(adapter.dispatch('_text', 'cape')(sql, family, data_type)) }}
{%- endmacro %}

{% macro default___text(sql, family, data_type=none) -%}
  {{ return(sql if family == 'text' else 'cast(' ~ sql ~ ' as ' ~ cape._text_type() ~ ')') }}
{%- endmacro %}

{#- Spark agrees with DuckDB's text except for decimals with more than six
    decimal places, which it writes in E notation ('0E-10'); those are written
    with exactly their scale by format_number (exact for decimals, US locale)
    without its thousands separators, the scale read from data_type or, when that
    is unknown, from the value's type. An expression of unknown family (a column
    macro without data_type) is cast. -#}
{% macro spark___text(sql, family, data_type=none) -%}
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
