{#- A timestamp `sql` moved by `seconds` (an integer expression). -#}
{% macro _add_seconds(sql, seconds) -%}
  {{ return(adapter.dispatch('_add_seconds', 'cape')(sql, seconds)) }}
{%- endmacro %}

{% macro default___add_seconds(sql, seconds) -%}
  {{ return(sql ~ ' + to_seconds(' ~ seconds ~ ')') }}
{%- endmacro %}

{#- Spark has no to_seconds interval constructor; timestampadd moves by a unit. -#}
{% macro spark___add_seconds(sql, seconds) -%}
  {{ return('timestampadd(SECOND, ' ~ seconds ~ ', ' ~ sql ~ ')') }}
{%- endmacro %}
