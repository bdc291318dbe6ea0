{% macro render_numeric_bucketing(expr, step, row) -%}
  {{ return(adapter.dispatch('render_numeric_bucketing', 'cape')(expr, step, row)) }}
{%- endmacro %}

{% macro default__render_numeric_bucketing(expr, step, row) -%}
  {{ cape._unsupported('render_numeric_bucketing') }}
{%- endmacro %}

{#- Native SQL; the reference is cape_udfs.transforms.numeric_bucketing.bucket_label.
    Bounds are DECIMAL(18, scale) literals, so integers and decimals compare
    exactly and floats (widened to DOUBLE) with the bound converted to DOUBLE.
    For fixed-width buckets the bucket number is estimated in double precision,
    moved by one if a bound says so, and checked: a label is exact or an error.
    The value is bound once with a one-element list and a lambda. -#}
{% macro duckdb__render_numeric_bucketing(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- set lines = [] -%}
  {%- if step.family in ('float', 'unknown') -%}
    {%- do lines.append("when isnan(cast(cape_v as double)) then 'NaN'") -%}
  {%- endif -%}
  {%- if a.mode == 'boundaries' -%}
    {%- for b in a.bounds -%}
      {%- do lines.append('when cape_v < ' ~ cape._bucket_number(b, a.scale) ~ ' then ' ~ cape._sql_string(a.labels[loop.index0])) -%}
    {%- endfor -%}
    {%- do lines.append('when cape_v >= ' ~ cape._bucket_number(a.bounds[-1], a.scale) ~ ' then ' ~ cape._sql_string(a.labels[-1])) -%}
  {%- else -%}
    {%- set lo = cape._bucket_number(a.anchor, a.scale) -%}
    {%- set size = cape._bucket_number(a.size_text, a.scale) -%}
    {%- do lines.insert(0, 'when cape_v is null then null') -%}
    {%- if a.lower_text is not none -%}
      {%- do lines.append('when cape_v < ' ~ cape._bucket_number(a.lower_text, a.scale) ~ ' then ' ~ cape._sql_string('<' ~ a.lower_text)) -%}
    {%- endif -%}
    {%- if a.upper_text is not none -%}
      {%- do lines.append('when cape_v >= ' ~ cape._bucket_number(a.upper_text, a.scale) ~ ' then ' ~ cape._sql_string('>=' ~ a.upper_text)) -%}
    {%- endif -%}
    {%- if step.family in ('float', 'unknown') -%}
      {%- do lines.append("when isinf(cast(cape_v as double)) then case when cape_v > 0 then 'inf' else '-inf' end") -%}
    {%- endif -%}
    {%- set start = lo ~ ' + cape_k * ' ~ size -%}
    {%- set stop = lo ~ ' + (cape_k + 1) * ' ~ size -%}
    {%- set hi = stop if a.upper_text is none else 'least(' ~ stop ~ ', ' ~ cape._bucket_number(a.upper_text, a.scale) ~ ')' -%}
    {%- set label = cape._bucket_text(start, a.scale) ~ " || '-' || " ~ cape._bucket_text(hi, a.scale) -%}
    {%- set too_far = cape._sql_string("cape: numeric-bucketing: a value in column '" ~ step.column ~ "' is " ~ a.max_buckets ~ " or more times size (" ~ a.size_text ~ ") away from 0; set lower/upper to close the tails") -%}
    {%- set inexact = cape._sql_string("cape: numeric-bucketing: a value in column '" ~ step.column ~ "' could not be placed in a bucket exactly") -%}
    {%- set place -%}
list_transform([(cast(cape_v as double) - cast('{{ a.anchor }}' as double)) / cast('{{ a.size_text }}' as double)], lambda cape_q: case when not (abs(cast(cape_v as double) / cast('{{ a.size_text }}' as double)) < {{ a.max_buckets }}) then error({{ too_far }}) else list_transform([cast(floor(cape_q) as bigint)], lambda cape_k0: list_transform([cape_k0 - case when cape_v < {{ lo }} + cape_k0 * {{ size }} then 1 when cape_v >= {{ lo }} + (cape_k0 + 1) * {{ size }} then -1 else 0 end], lambda cape_k: case when cape_v >= {{ start }} and cape_v < {{ stop }} then {{ label }} else error({{ inexact }}) end)[1])[1] end)[1]
    {%- endset -%}
    {%- do lines.append('else ' ~ place) -%}
  {%- endif -%}
  {%- set value = 'cast(' ~ expr ~ ' as double)' if step.family == 'float' else expr %}
  list_transform([{{ value }}], lambda cape_v: case {{ lines | join(' ') }} end)[1]
{%- endmacro %}

{#- A bound as an exact DECIMAL(18, scale) literal. -#}
{% macro _bucket_number(text, scale) -%}
  {{ return("cast('" ~ text ~ "' as decimal(18, " ~ scale ~ "))") }}
{%- endmacro %}

{#- A DECIMAL as label text: no trailing zeros, no trailing point. -#}
{% macro _bucket_text(sql, scale) -%}
  {%- if scale > 0 -%}
    {{ return("rtrim(rtrim(cast(" ~ sql ~ " as varchar), '0'), '.')") }}
  {%- else -%}
    {{ return("cast(" ~ sql ~ " as varchar)") }}
  {%- endif -%}
{%- endmacro %}
