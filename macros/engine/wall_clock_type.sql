{#- The timestamp type without a time zone, whose arithmetic is on the wall
    clock: a date shifted in it and cut back to its day moves by whole days
    whatever the session's time zone. -#}
{% macro _wall_clock_type() -%}
  {{ return(adapter.dispatch('_wall_clock_type', 'cape')()) }}
{%- endmacro %}

{% macro default___wall_clock_type() -%}
  {{ return('timestamp') }}
{%- endmacro %}

{#- Spark's TIMESTAMP is an instant in the session's time zone; TIMESTAMP_NTZ is
    the wall clock. -#}
{% macro spark___wall_clock_type() -%}
  {{ return('timestamp_ntz') }}
{%- endmacro %}
