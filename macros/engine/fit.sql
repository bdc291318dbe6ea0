{#- cast(sql as data_type) that fails the query when a value does not fit the
    type (an integer out of range, a decimal with too many digits), or sql itself
    when the type is unknown. `what` names the transform and column for the
    error. DuckDB's cast already fails. -#}
{% macro _fit(sql, data_type, what) -%}
  {{ return(adapter.dispatch('_fit', 'cape')(sql, data_type, what)) }}
{%- endmacro %}

{% macro default___fit(sql, data_type, what) -%}
  {{ return(cape._cast(sql, data_type)) }}
{%- endmacro %}

{#- dbt-spark turns ANSI mode off, and then Spark's cast wraps integers and
    turns decimals to NULL; so the value is checked against the type's range
    (integers) or its cast checked for NULL (decimals), bound once so random
    noise is drawn once. -#}
{% macro spark___fit(sql, data_type, what) -%}
  {%- set t = cape._cast_type(data_type) -%}
  {%- if t is none -%}{{ return(sql) }}{%- endif -%}
  {%- set name = t | lower | trim -%}
  {%- set bounds = {
      'tinyint': ['-128', '127'], 'byte': ['-128', '127'],
      'smallint': ['-32768', '32767'], 'short': ['-32768', '32767'],
      'int': ['-2147483648', '2147483647'], 'integer': ['-2147483648', '2147483647'],
      'bigint': ['-9223372036854775808', '9223372036854775807'], 'long': ['-9223372036854775808', '9223372036854775807'],
  } -%}
  {%- set fail = cape._raise_error('cape: ' ~ what ~ ': a result does not fit ' ~ name) -%}
  {%- if name in bounds -%}
    {{ return(cape._bind('cast(' ~ sql ~ ' as decimal(38, 0))', 'cape_v', 'case when cape_v is null then null when cape_v between ' ~ bounds[name][0] ~ ' and ' ~ bounds[name][1] ~ ' then cast(cape_v as ' ~ name ~ ') else ' ~ fail ~ ' end')) }}
  {%- elif name.startswith('decimal') or name.startswith('numeric') -%}
    {{ return(cape._bind(sql, 'cape_v', 'case when cape_v is null then null else coalesce(cast(cape_v as ' ~ name ~ '), ' ~ fail ~ ') end')) }}
  {%- endif -%}
  {{ return('cast(' ~ sql ~ ' as ' ~ t ~ ')') }}
{%- endmacro %}
