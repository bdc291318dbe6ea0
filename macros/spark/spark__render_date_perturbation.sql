{#- As duckdb__render_date_perturbation: whole units of noise per frequency,
    summed as seconds. DATE columns are shifted as timestamp_ntz (wall-clock
    arithmetic, no time zone can move a day) and cut back to their day. -#}
{% macro spark__render_date_perturbation(expr, step, row) -%}
  {%- set dist = step.args.distribution or 'uniform' -%}
  {%- set n = step.args.shifts | length -%}
  {%- set parts = [] -%}
  {%- for shift in step.args.shifts -%}
    {%- if dist == 'uniform' -%}
      {%- set units = 'cast(floor(' ~ shift.min ~ ' + ' ~ (shift.max - shift.min) ~ ' * ' ~ cape._uniform(step, loop.index0, row, shift.unit) ~ ') as bigint)' -%}
    {%- else -%}
      {%- set z = cape._standard_noise(step, dist, loop.index0, n + loop.index0, shift.unit, row) -%}
      {%- set units = 'cast(' ~ cape._clip('round(' ~ shift.scale ~ ' * ' ~ z ~ ')', shift.min, shift.max) ~ ' as bigint)' -%}
    {%- endif -%}
    {%- do parts.append(units ~ ' * ' ~ shift.seconds) -%}
  {%- endfor -%}
  {%- set delta = '(' ~ (parts | join(' + ')) ~ ')' -%}
  {%- if step.family == 'date' -%}
  cast(timestampadd(SECOND, {{ delta }}, cast({{ expr }} as timestamp_ntz)) as date)
  {%- else -%}
  {{ cape._cast('timestampadd(SECOND, ' ~ delta ~ ', ' ~ expr ~ ')', step.input_type) }}
  {%- endif -%}
{%- endmacro %}
