{#- An expression that fails the query with `message` (plain text, quoted here)
    when it is evaluated, for a value SQL cannot transform exactly. The message
    names the transform and column, never a value. -#}
{% macro _raise_error(message) -%}
  {{ return(adapter.dispatch('_raise_error', 'cape')(message)) }}
{%- endmacro %}

{% macro default___raise_error(message) -%}
  {{ return('error(' ~ cape._string_literal(message) ~ ')') }}
{%- endmacro %}

{#- Spark calls it raise_error. -#}
{% macro spark___raise_error(message) -%}
  {{ return('raise_error(' ~ cape._string_literal(message) ~ ')') }}
{%- endmacro %}
