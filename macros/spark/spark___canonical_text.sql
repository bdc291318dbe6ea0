{#- The engine-independent text of keyed_noise.py. Spark's TIMESTAMP is an
    instant, shown in UTC; a TIMESTAMP_NTZ is taken as UTC, as DuckDB takes a
    TIMESTAMP without time zone. Integers, decimals (with the column's scale),
    dates and text as DuckDB writes them (cape._spark_text). -#}
{% macro spark___canonical_text(sql, family) -%}
  {%- if family == 'timestamp' -%}
    {{ return("date_format(case when typeof(" ~ sql ~ ") = 'timestamp_ntz' then cast(" ~ sql ~ " as timestamp) else to_utc_timestamp(" ~ sql ~ ", current_timezone()) end, 'yyyy-MM-dd HH:mm:ss.SSSSSS')") }}
  {%- endif -%}
  {{ return(cape._spark_text(sql, family)) }}
{%- endmacro %}
