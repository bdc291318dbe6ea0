{#- As duckdb__render_numeric_bucketing (the reference is
    cape_udfs.transforms.numeric_bucketing.bucket_label), in Spark's functions:
    values bound once with one-element arrays and lambdas, raise_error for a
    value that cannot be placed. Bucket numbers are DECIMAL(18, 0), so bucket
    bounds are computed in DECIMAL(38, scale) without Spark's precision loss,
    and label numbers are written by format_number (a cast would write small
    decimals in E notation). -#}
{% macro spark__render_numeric_bucketing(expr, step, row) -%}
  {%- set a = step.args -%}
  {%- set lines = [] -%}
  {%- if step.family in ('float', 'unknown') -%}
    {%- do lines.append("when isnan(cast(cape_v as double)) then 'NaN'") -%}
  {%- endif -%}
  {%- if a.mode == 'boundaries' -%}
    {%- for b in a.bounds -%}
      {%- do lines.append('when cape_v < ' ~ cape._spark_bucket_number(b, a.scale) ~ ' then ' ~ cape._spark_string(a.labels[loop.index0])) -%}
    {%- endfor -%}
    {%- do lines.append('when cape_v >= ' ~ cape._spark_bucket_number(a.bounds[-1], a.scale) ~ ' then ' ~ cape._spark_string(a.labels[-1])) -%}
  {%- else -%}
    {%- set lo = cape._spark_bucket_number(a.anchor, a.scale) -%}
    {%- set size = cape._spark_bucket_number(a.size_text, a.scale) -%}
    {%- do lines.insert(0, 'when cape_v is null then null') -%}
    {%- if a.lower_text is not none -%}
      {%- do lines.append('when cape_v < ' ~ cape._spark_bucket_number(a.lower_text, a.scale) ~ ' then ' ~ cape._spark_string('<' ~ a.lower_text)) -%}
    {%- endif -%}
    {%- if a.upper_text is not none -%}
      {%- do lines.append('when cape_v >= ' ~ cape._spark_bucket_number(a.upper_text, a.scale) ~ ' then ' ~ cape._spark_string('>=' ~ a.upper_text)) -%}
    {%- endif -%}
    {%- if step.family in ('float', 'unknown') -%}
      {%- do lines.append("when cast(cape_v as double) in (cast('Infinity' as double), cast('-Infinity' as double)) then case when cape_v > 0 then 'inf' else '-inf' end") -%}
    {%- endif -%}
    {%- set start = lo ~ ' + cape_k * ' ~ size -%}
    {%- set stop = lo ~ ' + cast(cape_k + 1 as decimal(18, 0)) * ' ~ size -%}
    {%- set hi = stop if a.upper_text is none else 'least(' ~ stop ~ ', ' ~ cape._spark_bucket_number(a.upper_text, a.scale) ~ ')' -%}
    {%- set label = 'concat(' ~ cape._spark_bucket_text(start, a.scale) ~ ", '-', " ~ cape._spark_bucket_text(hi, a.scale) ~ ')' -%}
    {%- set too_far = cape._spark_string("cape: numeric-bucketing: a value in column '" ~ step.column ~ "' is " ~ a.max_buckets ~ " or more times size (" ~ a.size_text ~ ") away from 0; set lower/upper to close the tails") -%}
    {%- set inexact = cape._spark_string("cape: numeric-bucketing: a value in column '" ~ step.column ~ "' could not be placed in a bucket exactly") -%}
    {%- set place -%}
element_at(transform(array((cast(cape_v as double) - cast('{{ a.anchor }}' as double)) / cast('{{ a.size_text }}' as double)), cape_q -> case when not (abs(cast(cape_v as double) / cast('{{ a.size_text }}' as double)) < {{ a.max_buckets }}) then raise_error({{ too_far }}) else element_at(transform(array(cast(floor(cape_q) as decimal(18, 0))), cape_k0 -> element_at(transform(array(cast(cape_k0 - case when cape_v < {{ lo }} + cape_k0 * {{ size }} then 1 when cape_v >= {{ lo }} + cast(cape_k0 + 1 as decimal(18, 0)) * {{ size }} then -1 else 0 end as decimal(18, 0))), cape_k -> case when cape_v >= {{ start }} and cape_v < {{ stop }} then {{ label }} else raise_error({{ inexact }}) end), 1)), 1) end), 1)
    {%- endset -%}
    {%- do lines.append('else ' ~ place) -%}
  {%- endif -%}
  {%- set value = 'cast(' ~ expr ~ ' as double)' if step.family == 'float' else expr %}
  element_at(transform(array({{ value }}), cape_v -> case {{ lines | join(' ') }} end), 1)
{%- endmacro %}

{#- A bound as an exact DECIMAL(18, scale) literal. -#}
{% macro _spark_bucket_number(text, scale) -%}
  {{ return("cast('" ~ text ~ "' as decimal(18, " ~ scale ~ "))") }}
{%- endmacro %}

{#- A bucket bound as label text: plain, no trailing zeros, no trailing point. -#}
{% macro _spark_bucket_text(sql, scale) -%}
  {%- if scale > 0 -%}
    {{ return("trim(TRAILING '.' FROM trim(TRAILING '0' FROM replace(format_number(" ~ sql ~ ", " ~ scale ~ "), ',', '')))") }}
  {%- else -%}
    {{ return("cast(" ~ sql ~ " as string)") }}
  {%- endif -%}
{%- endmacro %}
