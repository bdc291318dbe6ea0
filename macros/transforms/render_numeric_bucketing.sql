{% macro render_numeric_bucketing(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_bucketing', 'cape')(expr, step, row)) }}
{%- endmacro %}

{#- Native SQL; the reference is cape_udfs.transforms.numeric_bucketing.bucket_label.
    Bounds are DECIMAL(18, scale) literals, so integers and decimals compare
    exactly and floats (widened to DOUBLE) with the bound converted to DOUBLE.
    For fixed-width buckets the bucket number is estimated in double precision,
    moved by one if a bound says so, and checked: a label is exact or an error.
    Values are bound once (cape._bind). -#}
{% macro default__render_numeric_bucketing(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- set lines = [] -%}
  {%- if step.family in ('float', 'unknown') -%}
    {%- do lines.append("when isnan(cast(cape_v as double)) then 'NaN'") -%}
  {%- endif -%}
  {%- if a.mode == 'boundaries' -%}
    {%- for b in a.bounds -%}
      {%- do lines.append('when cape_v < ' ~ cape._bucket_number(b, a.scale) ~ ' then ' ~ cape._string_literal(a.labels[loop.index0])) -%}
    {%- endfor -%}
    {%- do lines.append('when cape_v >= ' ~ cape._bucket_number(a.bounds[-1], a.scale) ~ ' then ' ~ cape._string_literal(a.labels[-1])) -%}
  {%- else -%}
    {%- set lo = cape._bucket_number(a.anchor, a.scale) -%}
    {%- set size = cape._bucket_number(a.size_text, a.scale) -%}
    {%- set k = cape._bucket_index_type() -%}
    {%- do lines.insert(0, 'when cape_v is null then null') -%}
    {%- if a.lower_text is not none -%}
      {%- do lines.append('when cape_v < ' ~ cape._bucket_number(a.lower_text, a.scale) ~ ' then ' ~ cape._string_literal('<' ~ a.lower_text)) -%}
    {%- endif -%}
    {%- if a.upper_text is not none -%}
      {%- do lines.append('when cape_v >= ' ~ cape._bucket_number(a.upper_text, a.scale) ~ ' then ' ~ cape._string_literal('>=' ~ a.upper_text)) -%}
    {%- endif -%}
    {%- if step.family in ('float', 'unknown') -%}
      {#- Spark has no isinf; both engines compare with the infinities. -#}
      {%- do lines.append("when cast(cape_v as double) in (cast('Infinity' as double), cast('-Infinity' as double)) then case when cape_v > 0 then 'inf' else '-inf' end") -%}
    {%- endif -%}
    {%- set start = lo ~ ' + cape_k * ' ~ size -%}
    {%- set stop = lo ~ ' + cast(cape_k + 1 as ' ~ k ~ ') * ' ~ size -%}
    {#- Bounds compared with a decimal column keep the column's scale: Spark
        compares DECIMAL(37, 1) with DECIMAL(10, 2) in DECIMAL(38, 1), rounding
        the value to the bound's scale (0.35 would land in 0.4-0.5). -#}
    {%- set found = modules.re.search('\\(\\s*\\d+\\s*,\\s*(\\d+)\\s*\\)', step.input_type or '') if step.family == 'decimal' else none -%}
    {%- set cmp_scale = (found.group(1) | int) if found else 0 -%}
    {%- set wrap = cmp_scale > a.scale -%}
    {%- set c_start = ('cast(' ~ start ~ ' as decimal(38, ' ~ cmp_scale ~ '))') if wrap else start -%}
    {%- set c_stop = ('cast(' ~ stop ~ ' as decimal(38, ' ~ cmp_scale ~ '))') if wrap else stop -%}
    {%- set low0 = lo ~ ' + cape_k0 * ' ~ size -%}
    {%- set high0 = lo ~ ' + cast(cape_k0 + 1 as ' ~ k ~ ') * ' ~ size -%}
    {%- set c_low0 = ('cast(' ~ low0 ~ ' as decimal(38, ' ~ cmp_scale ~ '))') if wrap else low0 -%}
    {%- set c_high0 = ('cast(' ~ high0 ~ ' as decimal(38, ' ~ cmp_scale ~ '))') if wrap else high0 -%}
    {%- set hi = stop if a.upper_text is none else 'least(' ~ stop ~ ', ' ~ cape._bucket_number(a.upper_text, a.scale) ~ ')' -%}
    {%- set label = cape._bucket_text(start, a.scale) ~ " || '-' || " ~ cape._bucket_text(hi, a.scale) -%}
    {%- set too_far = cape._raise_error("cape: numeric-bucketing: a value in column '" ~ step.column ~ "' is " ~ a.max_buckets ~ " or more times size (" ~ a.size_text ~ ") away from 0; set lower/upper to close the tails") -%}
    {%- set inexact = cape._raise_error("cape: numeric-bucketing: a value in column '" ~ step.column ~ "' could not be placed in a bucket exactly") -%}
    {%- set placed = cape._bind('cast(cape_k0 - case when cape_v < ' ~ c_low0 ~ ' then 1 when cape_v >= ' ~ c_high0 ~ ' then -1 else 0 end as ' ~ k ~ ')', 'cape_k',
          'case when cape_v >= ' ~ c_start ~ ' and cape_v < ' ~ c_stop ~ ' then ' ~ label ~ ' else ' ~ inexact ~ ' end') -%}
    {%- set estimated = cape._bind('cast(floor(cape_q) as ' ~ k ~ ')', 'cape_k0', placed) -%}
    {%- set place = cape._bind("(cast(cape_v as double) - cast('" ~ a.anchor ~ "' as double)) / cast('" ~ a.size_text ~ "' as double)", 'cape_q',
          "case when not (abs(cast(cape_v as double) / cast('" ~ a.size_text ~ "' as double)) < " ~ a.max_buckets ~ ") then " ~ too_far ~ " else " ~ estimated ~ " end") -%}
    {%- do lines.append('else ' ~ place) -%}
  {%- endif -%}
  {%- set value = 'cast(' ~ expr ~ ' as double)' if step.family == 'float' else expr -%}
  {{ cape._bind(value, 'cape_v', 'case ' ~ (lines | join(' ')) ~ ' end') }}
{%- endmacro %}

{#- The type bucket numbers are computed in. -#}
{% macro _bucket_index_type() -%}
  {{ return(adapter.dispatch('_bucket_index_type', 'cape')()) }}
{%- endmacro %}

{#- DuckDB multiplies a BIGINT by a DECIMAL(18, s) exactly, as DECIMAL(37, s). -#}
{% macro default___bucket_index_type() -%}
  {{ return('bigint') }}
{%- endmacro %}

{#- Spark widens a BIGINT to DECIMAL(20, 0) and, past 38 digits, drops scale
    (precision loss); DECIMAL(18, 0) keeps bound arithmetic within DECIMAL(38, s). -#}
{% macro spark___bucket_index_type() -%}
  {{ return('decimal(18, 0)') }}
{%- endmacro %}

{#- A bound as an exact DECIMAL(18, scale) literal. -#}
{% macro _bucket_number(text, scale) -%}
  {{ return("cast('" ~ text ~ "' as decimal(18, " ~ scale ~ "))") }}
{%- endmacro %}

{#- A bucket bound as label text: plain (cape._text writes a decimal without E
    notation), no trailing zeros, no trailing point. -#}
{% macro _bucket_text(sql, scale) -%}
  {%- set text = cape._text(sql, 'decimal', 'decimal(38, ' ~ scale ~ ')') -%}
  {%- if scale > 0 -%}
    {{ return("trim(TRAILING '.' FROM trim(TRAILING '0' FROM " ~ text ~ "))") }}
  {%- endif -%}
  {{ return(text) }}
{%- endmacro %}
