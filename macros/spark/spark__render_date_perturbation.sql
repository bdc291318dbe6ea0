{#- The shared shift (cape._date_shift_seconds) applied with Spark's functions. DATE columns are shifted as timestamp_ntz (wall-clock
    arithmetic, no time zone can move a day) and cut back to their day. -#}
{% macro spark__render_date_perturbation(expr, step, row) -%}
  {%- set delta = cape._date_shift_seconds(step, row) -%}
  {#- Clamped to 0001-01-01 .. 9999-12-31 as on DuckDB; the case keeps NULL
      (least/greatest skip NULLs). -#}
  {%- if step.family == 'date' -%}
  case when {{ expr }} is null then null else cast({{ cape._clamp_calendar('timestampadd(SECOND, ' ~ delta ~ ', cast(' ~ expr ~ ' as timestamp_ntz))', 'timestamp_ntz') }} as date) end
  {%- else -%}
  {%- set shifted = cape._cast('timestampadd(SECOND, ' ~ delta ~ ', ' ~ expr ~ ')', step.input_type) -%}
  case when {{ expr }} is null then null else {{ cape._clamp_calendar(shifted, step.input_type or 'timestamp') }} end
  {%- endif -%}
{%- endmacro %}
