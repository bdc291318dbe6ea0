{#- A SQL string literal of `text` in the engine's spelling. -#}
{% macro _string_literal(text) -%}
  {{ return(adapter.dispatch('_string_literal', 'cape')(text)) }}
{%- endmacro %}

{#- Standard SQL: a quote doubled. -#}
{% macro default___string_literal(text) -%}
  {{ return("'" ~ (text | string).replace("'", "''") ~ "'") }}
{%- endmacro %}

{#- Spark reads backslash escapes inside quotes, so a backslash is escaped too. -#}
{% macro spark___string_literal(text) -%}
  {{ return("'" ~ (text | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'") }}
{%- endmacro %}
