{#- The engine-independent text of a value of `family` (see keyed_noise.py)
    that keyed noise hashes: timestamps in UTC with six fraction digits, the
    rest as DuckDB's cast to text writes them (cape._text). -#}
{% macro _canonical_text(sql, family) -%}
  {{ return(adapter.dispatch('_canonical_text', 'cape')(sql, family)) }}
{%- endmacro %}

{#- DuckDB's TIMESTAMP has no time zone and is taken as UTC. -#}
{% macro default___canonical_text(sql, family) -%}
  {%- if family == 'timestamp' -%}
    {{ return("strftime(make_timestamp(epoch_us(" ~ sql ~ ")), '%Y-%m-%d %H:%M:%S.%f')") }}
  {%- endif -%}
  {{ return(cape._text(sql, family)) }}
{%- endmacro %}

{#- Spark's TIMESTAMP is an instant, shown in the session's time zone, so it is
    moved to UTC; a TIMESTAMP_NTZ is taken as UTC, as DuckDB takes a TIMESTAMP.
    Other families as on DuckDB. -#}
{% macro spark___canonical_text(sql, family) -%}
  {%- if family == 'timestamp' -%}
    {{ return("date_format(case when typeof(" ~ sql ~ ") = 'timestamp_ntz' then cast(" ~ sql ~ " as timestamp) else to_utc_timestamp(" ~ sql ~ ", current_timezone()) end, 'yyyy-MM-dd HH:mm:ss.SSSSSS')") }}
  {%- endif -%}
  {{ return(cape.default___canonical_text(sql, family)) }}
{%- endmacro %}
