{#- The shared shift (cape._date_shift_seconds) applied with Spark's functions. DATE columns are shifted as timestamp_ntz (wall-clock
    arithmetic, no time zone can move a day) and cut back to their day. -#}
{% macro spark__render_date_perturbation(expr, step, row) -%}
  {%- set delta = cape._date_shift_seconds(step, row) -%}
  {%- if step.family == 'date' -%}
  cast(timestampadd(SECOND, {{ delta }}, cast({{ expr }} as timestamp_ntz)) as date)
  {%- else -%}
  {{ cape._cast('timestampadd(SECOND, ' ~ delta ~ ', ' ~ expr ~ ')', step.input_type) }}
  {%- endif -%}
{%- endmacro %}
