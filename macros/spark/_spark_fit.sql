{#- cast(sql as data_type) for an integer or decimal column that fails the query
    when the value does not fit, as DuckDB does: dbt-spark turns ANSI mode off,
    and then Spark wraps integers and turns decimals to NULL. The value is bound
    once (a one-element array and a lambda), so random noise is drawn once. -#}
{% macro _spark_fit(sql, data_type, what) -%}
  {%- set t = cape._spark_type(data_type) -%}
  {%- if t is none -%}{{ return(sql) }}{%- endif -%}
  {%- set name = t | lower | trim -%}
  {%- set bounds = {
      'tinyint': ['-128', '127'], 'byte': ['-128', '127'],
      'smallint': ['-32768', '32767'], 'short': ['-32768', '32767'],
      'int': ['-2147483648', '2147483647'], 'integer': ['-2147483648', '2147483647'],
      'bigint': ['-9223372036854775808', '9223372036854775807'], 'long': ['-9223372036854775808', '9223372036854775807'],
  } -%}
  {%- set fail = 'raise_error(' ~ cape._spark_string('cape: ' ~ what ~ ': a result does not fit ' ~ name) ~ ')' -%}
  {%- if name in bounds -%}
    {{ return('element_at(transform(array(cast(' ~ sql ~ ' as decimal(38, 0))), cape_v -> case when cape_v is null then null when cape_v between ' ~ bounds[name][0] ~ ' and ' ~ bounds[name][1] ~ ' then cast(cape_v as ' ~ name ~ ') else ' ~ fail ~ ' end), 1)') }}
  {%- elif name.startswith('decimal') or name.startswith('numeric') -%}
    {{ return('element_at(transform(array(' ~ sql ~ '), cape_v -> case when cape_v is null then null else coalesce(cast(cape_v as ' ~ name ~ '), ' ~ fail ~ ') end), 1)') }}
  {%- endif -%}
  {{ return('cast(' ~ sql ~ ' as ' ~ t ~ ')') }}
{%- endmacro %}
