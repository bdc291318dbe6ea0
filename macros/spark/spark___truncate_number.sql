{#- Numbers as duckdb___truncate_number. Spark has no numeric trunc: integers and
    decimals are cut toward zero exactly with floor/ceil at the precision (in
    decimal arithmetic; the result must fit the column's type); floats use
    t - t % 1 (an exact fmod), and t * 0.0 below one so -0.5 gives -0.0 as
    DuckDB's trunc does. -#}
{% macro spark___truncate_number(expr, step) -%}
  {%- set a = step.args -%}
  {%- if step.family == 'float' -%}
    {%- set p = a.precision -%}
    {%- set scale = "cast('1e" ~ (p | abs) ~ "' as double)" -%}
    {%- if p >= 0 -%}
  {{ cape._cast("element_at(transform(array(" ~ expr ~ "), cape_v -> case when abs(cape_v) < cast(4503599627370496 as double) then " ~ cape._spark_trunc_double('cape_v * ' ~ scale) ~ " / " ~ scale ~ " else cape_v end), 1)", step.input_type) }}
    {%- else -%}
  {{ cape._cast(cape._spark_trunc_double(expr ~ ' / ' ~ scale) ~ ' * ' ~ scale, step.input_type) }}
    {%- endif -%}
  {%- elif step.family == 'integer' and a.precision >= 0 -%}
  {{ expr }}
  {%- elif step.family in ('integer', 'decimal') -%}
    {%- set v = 'cast(' ~ expr ~ ' as decimal(38, 0))' if step.family == 'integer' else expr -%}
  {{ cape._spark_fit('element_at(transform(array(' ~ v ~ '), cape_v -> case when cape_v < 0 then ceil(cape_v, ' ~ a.precision ~ ') else floor(cape_v, ' ~ a.precision ~ ') end), 1)', step.input_type, 'truncation on ' ~ step.column) }}
  {%- else -%}
  element_at(transform(array({{ expr }}), cape_v -> case when cape_v < 0 then ceil(cape_v, {{ a.precision }}) else floor(cape_v, {{ a.precision }}) end), 1)
  {%- endif -%}
{%- endmacro %}

{#- trunc() of a double toward zero, exactly, keeping the sign of a zero; from
    2^52 on every double is whole (and infinities and NaN stay as they are). -#}
{% macro _spark_trunc_double(sql) -%}
  {{ return('element_at(transform(array(' ~ sql ~ '), cape_t -> case when abs(cape_t) < 1 then cape_t * 0.0D when abs(cape_t) < 4503599627370496D then cape_t - cape_t % 1.0D else cape_t end), 1)') }}
{%- endmacro %}
