{% macro render_date_perturbation(expr, step, row) -%}
  {{ return(adapter.dispatch('render_date_perturbation', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- The shift (cape._date_shift_seconds) added to the value; DATE columns are
    shifted as wall-clock timestamps (no time zone can move a day) and cut back
    to their day. -#}
{% macro default__render_date_perturbation(expr, step, row) -%}
  {%- set delta = cape._date_shift_seconds(step, row) -%}
  {#- Results stay within 0001-01-01 .. 9999-12-31, the range every reader of a
      shared table (Parquet to pandas, Spark, Python) can hold: a shift past
      either end lands on it. DuckDB alone would represent year 10000 or BC. -#}
  {#- least/greatest skip NULLs, so NULL is kept by the case. -#}
  {%- if step.family == 'date' -%}
  {%- set wall = cape._wall_clock_type() -%}
  case when {{ expr }} is null then null else cast({{ cape._clamp_calendar(cape._add_seconds('cast(' ~ expr ~ ' as ' ~ wall ~ ')', delta), wall) }} as date) end
  {%- else -%}
  {%- set shifted = cape._cast(cape._add_seconds(expr, delta), step.input_type) -%}
  case when {{ expr }} is null then null else {{ cape._clamp_calendar(shifted, step.input_type or 'timestamp') }} end
  {%- endif -%}
{%- endmacro %}

{% macro _clamp_calendar(sql, data_type) -%}
  {{ return("least(greatest(" ~ sql ~ ", cast('0001-01-01 00:00:00' as " ~ data_type ~ ")), cast('9999-12-31 23:59:59.999999' as " ~ data_type ~ "))") }}
{%- endmacro %}

{#- The shift in seconds, the same on every engine: uniform shifts are drawn
    from [min, max); gaussian and laplace ones are scale times a unit draw,
    rounded half away from zero and clipped to [min, max]. Unit k uses uniform
    index k (and n + k for its second uniform); keyed draws are named by the
    unit, so a patient's day shift is the same in every column that lists day. -#}
{% macro _date_shift_seconds(step, row) -%}
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
  {{ return('(' ~ (parts | join(' + ')) ~ ')') }}
{%- endmacro %}
